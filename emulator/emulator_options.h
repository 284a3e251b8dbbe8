// Settings of the local Zerobus emulator.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

namespace arrow_zerobus::emulator {

/// The credentials the emulator accepts unless told otherwise.
inline constexpr char kDefaultClientId[] = "emulator-client";
inline constexpr char kDefaultClientSecret[] = "emulator-secret";

struct EmulatorOptions {
  std::string host = "127.0.0.1";
  int grpc_port = 0;  ///< 0: the OS picks
  int http_port = 0;  ///< OAuth endpoint; 0: the OS picks
  /// When set, every stream's decoded rows land in <data_dir>/<table>/<stream id>.jsonl (Protobuf
  /// streams) or <stream id>.arrows (Arrow Flight streams, as an Arrow IPC stream file).
  /// Emulator::Start creates it and refuses it when it cannot create a file in it.
  std::filesystem::path data_dir;
  /// Light validation: offsets, record type and sizes are checked but records are not decoded
  /// (and so land in no file). For throughput benchmarks.
  bool light = false;
  /// Keep the bytes of every landed record in memory, per table (tests read them back).
  bool keep_records = false;
  /// Check the bearer token of every stream against the tokens the OAuth endpoint issued.
  bool require_auth = true;
  /// client_id -> client_secret accepted by the OAuth endpoint.
  std::map<std::string, std::string> clients = {{kDefaultClientId, kDefaultClientSecret}};
  std::chrono::seconds token_lifetime{3600};
  /// When false, only declared tables exist; streams to others end NOT_FOUND.
  bool accept_undeclared_tables = true;
  /// The service's limits: one request, one record.
  int64_t max_request_bytes = 10 * 1024 * 1024;
  int64_t max_record_bytes = 4194285;
  /// When set, OAuth requests must name this workspace in `resource`.
  std::string workspace_id;
  /// When true, OAuth requests must carry the `zerobuswrite` operation in the TABLE entry of
  /// authorization_details, as current official clients do; by default requests without
  /// `operations`, as older official clients send them, are accepted too.
  bool require_zerobuswrite = false;
  /// PEM certificate (chain) and private key: when both are set the gRPC port serves TLS and
  /// endpoint() is https://<host>:<port>, so the certificate must name `host`. The OAuth
  /// endpoint stays plain HTTP.
  std::string tls_certificate_pem;
  std::string tls_private_key_pem;
  /// Throughput quotas, modelled by pacing acks (service_quotas.h); 0: no limit. Negative
  /// values are refused by Emulator::Start.
  int64_t stream_records_per_second = 0;
  int64_t stream_bytes_per_second = 0;
  int64_t table_bytes_per_second = 0;
  /// Quotas left at 0 take the service's documented values (kServiceQuotas).
  bool service_quotas = false;
};

}  // namespace arrow_zerobus::emulator
