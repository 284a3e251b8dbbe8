// `zerobus-arrow debug read FILE [--to-arrow OUT.arrows]`.
#include "debug_command.h"

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include <arrow/io/file.h>
#include <arrow/ipc/writer.h>

#include "arrow_json.h"
#include "debug/debug_reader.h"

namespace arrow_zerobus::cli {

const char kDebugUsage[] = R"(usage: zerobus-arrow debug read FILE [--to-arrow OUT.arrows]

Reads a debug file written with --debug-dir (or debug_output_dir):
  FILE.pbs      protobuf records, decoded with the descriptor saved beside them
                (../descriptors/<stem>.desc): printed as JSON lines, or with --to-arrow written
                to OUT.arrows as an Arrow IPC stream
  FILE.arrows   the Arrow batches as they were sent: printed as JSON lines (or written to OUT)
)";

namespace {

namespace fs = std::filesystem;

constexpr char kPrefix[] = "zerobus-arrow debug: ";

Status WriteArrowStream(const arrow::Table& table, const fs::path& path) {
  auto file = arrow::io::FileOutputStream::Open(path.string());
  if (!file.ok()) return IoError("cannot write " + path.string() + ": " + file.status().message());
  auto writer = arrow::ipc::MakeStreamWriter(*file, table.schema());
  arrow::Status status = writer.status();
  if (status.ok()) status = (*writer)->WriteTable(table);
  if (status.ok()) status = (*writer)->Close();
  if (status.ok()) status = (*file)->Close();
  if (!status.ok()) return IoError("cannot write " + path.string() + ": " + status.message());
  return Status::OK();
}

Status ReadDebugFile(const fs::path& path, const std::optional<fs::path>& to_arrow,
                     std::ostream& out) {
  if (path.extension() == ".pbs" && !to_arrow.has_value()) {
    return debug::WriteRecordsAsJson(path, out);
  }
  std::shared_ptr<arrow::Table> table;
  if (path.extension() == ".pbs") {
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(table, debug::ReadRecordsAsArrow(path));
  } else {
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(table, debug::ReadArrowDebugFile(path));
  }
  if (!to_arrow.has_value()) {
    return WriteTableAsJsonLines(*table, out).WithContext(path.string());
  }
  ARROW_ZEROBUS_RETURN_NOT_OK(WriteArrowStream(*table, *to_arrow));
  out << "wrote " << table->num_rows() << " records of " << path.string() << " to "
      << to_arrow->string() << "\n";
  return Status::OK();
}

}  // namespace

int RunDebug(const std::vector<std::string_view>& args, std::ostream& out, std::ostream& err) {
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h" || args[0] == "help")) {
    out << kDebugUsage;
    return 0;
  }
  auto usage_error = [&](const std::string& message) {
    err << kPrefix << message << "\n\n" << kDebugUsage;
    return 2;
  };
  if (args.empty() || args[0] != "read") {
    return usage_error(args.empty() ? "give a subcommand"
                                    : "unknown subcommand '" + std::string(args[0]) + "'");
  }
  std::optional<fs::path> file;
  std::optional<fs::path> to_arrow;
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    if (arg == "--help" || arg == "-h") {
      out << kDebugUsage;
      return 0;
    } else if (arg == "--to-arrow") {
      if (i + 1 >= args.size()) return usage_error("--to-arrow needs a value");
      to_arrow = fs::path(args[++i]);
    } else if (arg.starts_with("--to-arrow=")) {
      to_arrow = fs::path(arg.substr(std::string_view("--to-arrow=").size()));
    } else if (arg.starts_with("-") && arg != "-") {
      return usage_error("unknown option " + std::string(arg));
    } else if (file.has_value()) {
      return usage_error("give one FILE");
    } else {
      file = fs::path(arg);
    }
  }
  if (!file.has_value()) return usage_error("give the FILE to read");
  if (file->extension() != ".pbs" && file->extension() != ".arrows") {
    return usage_error(file->string() + " is not a debug file (.pbs or .arrows)");
  }
  if (to_arrow.has_value() && to_arrow->empty()) return usage_error("--to-arrow needs a value");
  // Checked here so that the error names FILE, not the descriptor a .pbs file would be read with.
  std::error_code error;
  if (fs::is_directory(*file, error)) {
    return usage_error(file->string() + " is a directory, not a debug file");
  }
  if (!fs::exists(*file, error)) {
    err << kPrefix << file->string() << ": no such file\n";
    return 1;
  }
  const Status status = ReadDebugFile(*file, to_arrow, out);
  out << std::flush;
  if (!status.ok()) {
    std::string message = status.message();
    if (message.find(file->string()) == std::string::npos)
      message = file->string() + ": " + message;
    err << kPrefix << message << "\n";
    return 1;
  }
  return 0;
}

}  // namespace arrow_zerobus::cli
