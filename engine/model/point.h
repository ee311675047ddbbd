// Point: one sample of a series, its time and value — the storage's Sample and PromQL's Point
// are this one type, so selected samples move from the head to the evaluator without a copy.
#pragma once

#include "engine/common/time.h"

namespace tocsin {

struct Point {
  Timestamp t = 0;
  double v = 0;
};

}  // namespace tocsin
