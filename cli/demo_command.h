// `zerobus-arrow demo`: plans a sample file's schema, encodes it, shows records decoded back, then
// streams them to an in-process Zerobus emulator and shows what landed.
#pragma once

#include <ostream>
#include <string>

#include "arrow_zerobus/status.h"

namespace arrow_zerobus::cli {

struct DemoArgs {
  std::string input_path;  ///< JSON lines file
  int rows_to_show = 3;
};

Status RunDemo(const DemoArgs& args, std::ostream& out);

}  // namespace arrow_zerobus::cli
