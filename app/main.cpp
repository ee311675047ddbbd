// tocsin's entry point: tunes the allocator and the open-file limit, then hands argv to the
// command tree (cli.cpp).
#include <malloc.h>
#include <sys/resource.h>

#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "app/commands.h"

namespace {

// glibc's allocator for a long-running process with a few busy threads (docs/operations.md,
// "Memory"): two heap arenas shared by all threads, instead of up to 8 per core each holding its
// own high-water mark (the two workers' queries peak at different moments), and a fixed mmap
// threshold so that the large short-lived buffers of a query (every selected series' samples)
// go back to the system when freed instead of raising glibc's adaptive threshold and staying in
// the heap. Two rather than one: with a single arena the threads that parse rule files at start
// (and the workers evaluating rules) wait on its lock; medium start-up 29 -> 21 ms, peak RSS
// +13 MB (docs/performance.md, run 6). MALLOC_ARENA_MAX and MALLOC_MMAP_THRESHOLD_ in the
// environment still win.
void tune_allocator() {
  if (std::getenv("MALLOC_ARENA_MAX") == nullptr) mallopt(M_ARENA_MAX, 2);
  if (std::getenv("MALLOC_MMAP_THRESHOLD_") == nullptr) mallopt(M_MMAP_THRESHOLD, 256 * 1024);
}

// The soft open-file limit raised to the hard one, as Go's runtime does for Prometheus and
// Alertmanager (Go 1.19+): every target keeps an idle connection for its next scrape
// (engine/http/curl_client.cpp sizes that cache from this limit), on top of the API's
// connections and the state files.
void raise_open_file_limit() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= rl.rlim_max) return;
  rl.rlim_cur = rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &rl);  // a refusal keeps the soft limit; nothing else depends on it
}

}  // namespace

int main(int argc, char** argv) {
  tune_allocator();
  raise_open_file_limit();
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    return tocsin::app::run_command(tocsin::app::build_cli(), args, std::cout, std::cerr);
  } catch (const std::exception& e) {
    std::cerr << "tocsin: internal error: " << e.what() << "\n";
    return tocsin::app::kExitUsage;
  }
}
