// `zerobus-arrow demo`: the README's main job. Starts the Zerobus emulator in-process, sends the
// example orders (three of them deliberately bad) through a ZerobusWrapper with debug output on,
// and shows what became of every row, what landed, and the debug files.
#pragma once

#include <ostream>
#include <string>

#include "arrow_zerobus/status.h"

namespace arrow_zerobus::cli {

struct DemoArgs {
  std::string input_path;  ///< JSON lines file of orders
  int rows_to_show = 3;    ///< landed rows and debug records printed
};

/// OK when the demo ran and every good row landed (the bad rows failing is the point).
Status RunDemo(const DemoArgs& args, std::ostream& out);

}  // namespace arrow_zerobus::cli
