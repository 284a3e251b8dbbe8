#include "persistent_streams.h"

#include <fstream>
#include <sstream>
#include <system_error>

#include <nlohmann/json.hpp>

namespace arrow_zerobus::emulator {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

std::string ToHex(const std::string& bytes) {
  std::string hex;
  hex.reserve(bytes.size() * 2);
  for (unsigned char byte : bytes) {
    hex.push_back(kHexDigits[byte >> 4]);
    hex.push_back(kHexDigits[byte & 15]);
  }
  return hex;
}

std::optional<std::string> FromHex(const std::string& hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  std::string bytes;
  bytes.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    const int high = digit(hex[i]);
    const int low = digit(hex[i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    bytes.push_back(static_cast<char>(high * 16 + low));
  }
  return bytes;
}

Status Refused(StatusCode code, std::string message) {
  return Status(code, ErrorKind::kTransmission, std::move(message));
}

Result<PersistentStreamState> ReadStateFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) return IoError("cannot read the persistent stream file " + path.string());
  const auto json = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  auto bad = [&](const std::string& what) {
    return IoError("The persistent stream file " + path.string() + " " + what);
  };
  if (!json.is_object()) return bad("is not a JSON object");
  PersistentStreamState state;
  const auto table = json.find("table");
  const auto type = json.find("record_type");
  const auto descriptor = json.find("descriptor_proto_hex");
  const auto committed = json.find("committed");
  const auto retired = json.find("retired");
  if (table == json.end() || !table->is_string()) return bad("has no string 'table'");
  if (type == json.end() || !type->is_number_integer()) return bad("has no integer 'record_type'");
  if (descriptor == json.end() || !descriptor->is_string()) {
    return bad("has no string 'descriptor_proto_hex'");
  }
  if (committed == json.end() || !committed->is_number_integer() ||
      committed->get<int64_t>() < -1) {
    return bad("has no 'committed' offset of at least -1");
  }
  if (retired == json.end() || !retired->is_boolean()) return bad("has no boolean 'retired'");
  auto bytes = FromHex(descriptor->get<std::string>());
  if (!bytes) return bad("has a 'descriptor_proto_hex' that is not lower-case hex");
  state.table = table->get<std::string>();
  state.record_type = type->get<int>();
  state.descriptor_proto = std::move(*bytes);
  state.committed = committed->get<int64_t>();
  state.retired = retired->get<bool>();
  return state;
}

}  // namespace

Result<std::unique_ptr<PersistentStreams>> PersistentStreams::Open(std::filesystem::path dir) {
  std::unique_ptr<PersistentStreams> streams(new PersistentStreams(dir));
  // The directory is made with the first stream: a data directory stays empty until then.
  std::error_code error;
  if (dir.empty() || !std::filesystem::exists(dir, error)) return streams;
  for (const auto& file : std::filesystem::directory_iterator(dir, error)) {
    if (file.path().extension() != ".json") continue;
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(PersistentStreamState state, ReadStateFile(file.path()));
    streams->streams_[file.path().stem().string()] = Entry{std::move(state), 0};
  }
  if (error) return IoError("cannot list " + dir.string() + ": " + error.message());
  return streams;
}

PersistentStreams::~PersistentStreams() { std::lock_guard<std::mutex> lock(mu_); }

uint64_t PersistentStreams::NewOwner() {
  std::lock_guard<std::mutex> lock(mu_);
  return next_owner_++;
}

Status PersistentStreams::Create(const std::string& id, PersistentStreamState state,
                                 uint64_t owner) {
  std::lock_guard<std::mutex> lock(mu_);
  if (streams_.count(id) > 0) {
    return Refused(StatusCode::kAlreadyExists, "Persistent stream " + id + " exists already");
  }
  ARROW_ZEROBUS_RETURN_NOT_OK(SaveLocked(id, state));
  streams_[id] = Entry{std::move(state), owner};
  return Status::OK();
}

Result<int64_t> PersistentStreams::CheckResume(const std::string& id, const std::string& table,
                                               int record_type,
                                               const std::string& descriptor_proto) const {
  std::lock_guard<std::mutex> lock(mu_);
  return CheckResumeLocked(id, table, record_type, descriptor_proto);
}

Result<int64_t> PersistentStreams::Resume(const std::string& id, const std::string& table,
                                          int record_type, const std::string& descriptor_proto,
                                          uint64_t owner) {
  std::lock_guard<std::mutex> lock(mu_);
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(int64_t committed,
                                 CheckResumeLocked(id, table, record_type, descriptor_proto));
  streams_[id].owner = owner;
  return committed;
}

Result<int64_t> PersistentStreams::CheckResumeLocked(const std::string& id,
                                                     const std::string& table, int record_type,
                                                     const std::string& descriptor_proto) const {
  auto it = streams_.find(id);
  if (it == streams_.end() || it->second.state.table != table) {
    return Refused(StatusCode::kNotFound,
                   "No persistent stream " + id + " for table " + table + " to resume");
  }
  const Entry& entry = it->second;
  if (entry.state.retired) {
    return Refused(StatusCode::kNotFound,
                   "Persistent stream " + id + " was retired and cannot be resumed");
  }
  if (entry.state.record_type != record_type) {
    return Refused(StatusCode::kInvalidArgument, "resume_stream asks for record_type " +
                                                     std::to_string(record_type) + " but stream " +
                                                     id + " was created with record_type " +
                                                     std::to_string(entry.state.record_type));
  }
  if (entry.state.descriptor_proto != descriptor_proto) {
    return Refused(
        StatusCode::kInvalidArgument,
        "resume_stream's descriptor_proto is not the one stream " + id + " was created with");
  }
  return entry.state.committed;
}

Status PersistentStreams::CheckNextLocked(const std::string& id, uint64_t owner,
                                          int64_t offset) const {
  auto it = streams_.find(id);
  if (it == streams_.end()) {
    return Refused(StatusCode::kNotFound, "No persistent stream " + id);
  }
  const Entry& entry = it->second;
  if (entry.state.retired) {
    return Refused(StatusCode::kNotFound, "Persistent stream " + id + " was retired");
  }
  if (entry.owner != owner) {
    return Refused(StatusCode::kAborted,
                   "Persistent stream " + id + " was resumed on another connection");
  }
  if (offset != entry.state.committed + 1) {
    return Refused(StatusCode::kInvalidArgument, "Non-incremental offset: expected " +
                                                     std::to_string(entry.state.committed + 1) +
                                                     ", actual " + std::to_string(offset));
  }
  return Status::OK();
}

Status PersistentStreams::CheckNext(const std::string& id, uint64_t owner, int64_t offset) const {
  std::lock_guard<std::mutex> lock(mu_);
  return CheckNextLocked(id, owner, offset);
}

Status PersistentStreams::Commit(const std::string& id, uint64_t owner, int64_t offset,
                                 const std::function<Status()>& land) {
  std::lock_guard<std::mutex> lock(mu_);
  ARROW_ZEROBUS_RETURN_NOT_OK(CheckNextLocked(id, owner, offset));
  ARROW_ZEROBUS_RETURN_NOT_OK(land());
  PersistentStreamState& state = streams_[id].state;
  state.committed = offset;
  return SaveLocked(id, state);
}

Status PersistentStreams::Retire(const std::string& table, const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = streams_.find(id);
  if (it == streams_.end() || it->second.state.table != table) {
    return Refused(StatusCode::kNotFound, "No persistent stream " + id + " for table " + table);
  }
  if (it->second.state.retired) return Status::OK();
  it->second.state.retired = true;
  return SaveLocked(id, it->second.state);
}

std::optional<PersistentStreamState> PersistentStreams::Find(const std::string& id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = streams_.find(id);
  if (it == streams_.end()) return std::nullopt;
  return it->second.state;
}

Status PersistentStreams::SaveLocked(const std::string& id,
                                     const PersistentStreamState& state) const {
  if (dir_.empty()) return Status::OK();
  const nlohmann::json json = {{"table", state.table},
                               {"record_type", state.record_type},
                               {"descriptor_proto_hex", ToHex(state.descriptor_proto)},
                               {"committed", state.committed},
                               {"retired", state.retired}};
  // Written beside, then renamed over: a reader (or a restart) sees the old state or the new.
  std::error_code error;
  std::filesystem::create_directories(dir_, error);
  if (error) return IoError("cannot create " + dir_.string() + ": " + error.message());
  const std::filesystem::path path = dir_ / (id + ".json");
  const std::filesystem::path temporary = dir_ / (id + ".json.tmp");
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << json.dump() << '\n';
    if (!out.flush()) return IoError("cannot write " + temporary.string());
  }
  std::filesystem::rename(temporary, path, error);
  if (error) return IoError("cannot rename " + temporary.string() + ": " + error.message());
  return Status::OK();
}

}  // namespace arrow_zerobus::emulator
