// What a WrapperConfiguration means for the lower layers: stream options, encoder options, plan
// options, debug options and the OAuth headers provider.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "arrow_zerobus/config.h"
#include "auth/headers_provider.h"
#include "debug/debug_writer.h"
#include "encode/batch_encoder.h"
#include "flight/ipc_payloads.h"
#include "schema/schema_plan.h"
#include "schema/uc_descriptor.h"
#include "stream/stream_options.h"

namespace arrow_zerobus::internal {

stream::StreamOptions MakeStreamOptions(const WrapperConfiguration& config);
debug::DebugOptions MakeDebugOptions(const WrapperConfiguration& config);
/// The Arrow format's IPC options (compression from arrow_ipc_compression).
flight::IpcPayloadOptions MakeIpcOptions(const WrapperConfiguration& config);
/// schema_source table: the table's columns, from table_schema or from Unity Catalog (one
/// token request and one GET, each bounded by connect_timeout_ms).
Result<std::vector<schema::UcColumn>> LoadTableColumns(const WrapperConfiguration& config);
/// The record message is named after the table ("main.sales.order_lines" -> OrderLines). With
/// `table_columns` (schema_source table), its descriptor is built from them.
Result<schema::PlanOptions> MakePlanOptions(const WrapperConfiguration& config,
                                            const std::vector<schema::UcColumn>* table_columns);
/// OAuth M2M tokens for the configured client and table (no request is made here).
Result<std::shared_ptr<auth::HeadersProvider>> MakeHeadersProvider(
    const WrapperConfiguration& config);

}  // namespace arrow_zerobus::internal
