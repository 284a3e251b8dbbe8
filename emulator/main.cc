// zerobus-emulator: the local Zerobus-compatible server (see docs/emulator.md).
#include "emulator_cli.h"

int main(int argc, char** argv) { return arrow_zerobus::emulator::RunEmulatorCli(argc, argv); }
