// The normal build's driver of a fuzz target: runs LLVMFuzzerTestOneInput over every file of the
// directories given (the target's seed corpus, then its regressions: inputs that once crashed),
// so ctest replays them on every run without clang or libFuzzer. A target's checks abort on a
// broken promise, which fails the test.
//
//   <target>_replay <corpus dir> [<regression dir>]
// The corpus directory must hold at least one file; the regression directory may be absent.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv);
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

namespace fs = std::filesystem;

// The files of `dir`, sorted so runs are reproducible; an error when it cannot be listed.
bool ListFiles(const fs::path& dir, std::vector<fs::path>* files) {
  std::error_code error;
  for (fs::directory_iterator it(dir, error), end; !error && it != end; it.increment(error)) {
    if (it->is_regular_file()) files->push_back(it->path());
  }
  if (error) {
    std::fprintf(stderr, "replay: cannot list %s: %s\n", dir.c_str(), error.message().c_str());
    return false;
  }
  std::sort(files->begin(), files->end());
  return true;
}

bool Replay(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) {
    std::fprintf(stderr, "replay: cannot read %s\n", file.c_str());
    return false;
  }
  std::fprintf(stderr, "replay: %s (%zu bytes)\n", file.c_str(), bytes.size());
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: %s <corpus dir> [<regression dir>]\n", argv[0]);
    return 2;
  }
  LLVMFuzzerInitialize(&argc, &argv);
  std::vector<fs::path> corpus;
  if (!ListFiles(argv[1], &corpus)) return 1;
  if (corpus.empty()) {
    std::fprintf(stderr, "replay: the seed corpus %s holds no file\n", argv[1]);
    return 1;
  }
  std::vector<fs::path> regressions;
  if (argc == 3 && fs::exists(argv[2]) && !ListFiles(argv[2], &regressions)) return 1;
  for (const auto* files : {&corpus, &regressions}) {
    for (const fs::path& file : *files) {
      if (!Replay(file)) return 1;
    }
  }
  std::printf("replayed %zu seed(s) and %zu regression input(s)\n", corpus.size(),
              regressions.size());
  return 0;
}
