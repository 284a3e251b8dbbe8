// The local Zerobus emulator: the EphemeralStream gRPC service and the OAuth token endpoint,
// started in-process (tests, benchmarks) or by the `zerobus-emulator` binary.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "arrow_zerobus/status.h"
#include "emulator_options.h"
#include "emulator_state.h"
#include "fault_script.h"
#include "table_schema.h"

namespace arrow {
class RecordBatch;
}
namespace grpc {
class Server;
}

namespace arrow_zerobus::emulator {

class IngestService;
class OAuthEndpoint;

class Emulator {
 public:
  /// Starts both servers; returns when they accept connections. Fails, naming the cause, when a
  /// port is in use (never shared with another listener), both ports are the same non-zero one,
  /// or the data directory cannot be created or written to.
  static Result<std::unique_ptr<Emulator>> Start(EmulatorOptions options = {});
  /// Stops both servers: open streams end CANCELLED.
  ~Emulator();

  int grpc_port() const { return grpc_port_; }
  int http_port() const;
  /// "http://<host>:<grpc port>" ("https://" with TLS): the Zerobus endpoint clients connect
  /// to, with the host as given in the options.
  std::string endpoint() const;
  /// Whether the gRPC port serves TLS.
  bool tls() const;
  /// "http://127.0.0.1:<http port>": the workspace URL whose /oidc/v1/token issues tokens.
  std::string workspace_url() const;

  /// Faults for `table` ("*": every table without its own script); resets its position.
  void SetFaultScript(const std::string& table, FaultScript script);
  /// Declares `table` with its columns: streams whose descriptor does not fit are refused.
  void DeclareTable(const std::string& table, std::vector<TableColumn> columns);
  /// A token for `table`, as the OAuth endpoint would issue it.
  std::string IssueToken(const std::string& table);

  TableCounters Counters(const std::string& table) const;
  /// The bytes of every record landed in `table`, in landing order (needs keep_records).
  std::vector<std::string> LandedRecords(const std::string& table) const;
  /// The batches landed in `table` over Arrow Flight, in landing order (needs keep_records).
  std::vector<std::shared_ptr<arrow::RecordBatch>> LandedBatches(const std::string& table) const;
  /// Tables that saw at least one create_stream.
  std::vector<std::string> Tables() const;
  EmulatorState& state() { return *state_; }

 private:
  Emulator() = default;

  std::unique_ptr<EmulatorState> state_;
  std::unique_ptr<IngestService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<OAuthEndpoint> oauth_;
  int grpc_port_ = 0;
};

}  // namespace arrow_zerobus::emulator
