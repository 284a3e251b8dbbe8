// What a WrapperConfiguration means for the lower layers: stream options, encoder options, plan
// options, debug options and the OAuth headers provider.
#pragma once

#include <memory>
#include <string>

#include "arrow_zerobus/config.h"
#include "auth/headers_provider.h"
#include "debug/debug_writer.h"
#include "encode/batch_encoder.h"
#include "flight/ipc_payloads.h"
#include "schema/schema_plan.h"
#include "stream/stream_options.h"

namespace arrow_zerobus::internal {

stream::StreamOptions MakeStreamOptions(const WrapperConfiguration& config);
debug::DebugOptions MakeDebugOptions(const WrapperConfiguration& config);
/// The Arrow format's IPC options (compression from arrow_ipc_compression).
flight::IpcPayloadOptions MakeIpcOptions(const WrapperConfiguration& config);
/// The record message is named after the table ("main.sales.order_lines" -> OrderLines). With
/// schema_source table, its descriptor is read from Unity Catalog here (one token request and one
/// GET, each bounded by connect_timeout_ms).
Result<schema::PlanOptions> MakePlanOptions(const WrapperConfiguration& config);
/// OAuth M2M tokens for the configured client and table (no request is made here).
Result<std::shared_ptr<auth::HeadersProvider>> MakeHeadersProvider(
    const WrapperConfiguration& config);

}  // namespace arrow_zerobus::internal
