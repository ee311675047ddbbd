// Handlers of the CLI's commands (one file each) and the tree that names them (cli.cpp).
#pragma once

#include <iosfwd>

#include "app/command.h"

namespace tocsin::app {

Command build_cli();

int cmd_run(const Args& args, std::ostream& out, std::ostream& err);
int cmd_version(const Args& args, std::ostream& out, std::ostream& err);
int cmd_check_config(const Args& args, std::ostream& out, std::ostream& err);
int cmd_check_web_config(const Args& args, std::ostream& out, std::ostream& err);
int cmd_check_rules(const Args& args, std::ostream& out, std::ostream& err);
int cmd_test_rules(const Args& args, std::ostream& out, std::ostream& err);
int cmd_routes_test(const Args& args, std::ostream& out, std::ostream& err);
int cmd_routes_show(const Args& args, std::ostream& out, std::ostream& err);
int cmd_routes_diff(const Args& args, std::ostream& out, std::ostream& err);
int cmd_notify_test(const Args& args, std::ostream& out, std::ostream& err);
int cmd_test_promql(const Args& args, std::ostream& out, std::ostream& err);
int cmd_eval(const Args& args, std::ostream& out, std::ostream& err);

}  // namespace tocsin::app
