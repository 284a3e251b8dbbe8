#include "wrapper/stream_settings.h"

#include <cctype>

#include "auth/curl_http_transport.h"
#include "auth/oauth_request.h"
#include "auth/unity_catalog.h"
#include "common/endpoint.h"
#include "schema/proto_names.h"
#include "schema/uc_descriptor.h"

namespace arrow_zerobus::internal {
Result<std::vector<schema::UcColumn>> LoadTableColumns(const WrapperConfiguration& config) {
  std::string context = "schema_source table: the columns of " + config.table_name;
  Result<std::string> table_info = std::string();
  if (config.table_schema) {
    context += " in table_schema";
    table_info = *config.table_schema;
  } else {
    context += " in Unity Catalog";
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(auth::TableName table, auth::ParseTableName(config.table_name));
    auth::CurlOptions curl;
    curl.timeout = std::chrono::milliseconds(config.connect_timeout_ms);
    curl.connect_timeout = std::min(curl.connect_timeout, curl.timeout);
    table_info = auth::FetchUnityCatalogTable(
        {config.unity_catalog_url, table, config.client_id, config.client_secret.expose()},
        auth::MakeCurlHttpTransport(curl));
  }
  if (!table_info.ok()) return table_info.status().WithContext(context);
  auto columns = schema::ParseUcTableColumns(*table_info);
  if (!columns.ok()) return columns.status().WithContext(context);
  return columns;
}

stream::StreamOptions MakeStreamOptions(const WrapperConfiguration& config) {
  using std::chrono::milliseconds;
  stream::StreamOptions options;
  options.max_request_bytes = config.max_request_bytes;
  options.max_inflight_requests = config.max_inflight_requests;
  options.max_inflight_bytes = config.max_inflight_bytes;
  options.recovery = config.recovery;
  options.connect_timeout = milliseconds(config.connect_timeout_ms);
  options.retry_policy = std::make_shared<retry::RecoveryBudgetPolicy>(
      config.retry_max_attempts, milliseconds(config.retry_timeout_ms));
  options.backoff_policy = std::make_shared<retry::ExponentialBackoffPolicy>(
      milliseconds(config.retry_base_delay_ms), milliseconds(config.retry_max_delay_ms));
  options.server_lack_of_ack_timeout = milliseconds(config.server_lack_of_ack_timeout_ms);
  options.flush_timeout = milliseconds(config.flush_timeout_ms);
  if (config.stream_paused_max_wait_ms) {
    options.stream_paused_max_wait = milliseconds(*config.stream_paused_max_wait_ms);
  }
  options.application_name = config.application_name;
  return options;
}

debug::DebugOptions MakeDebugOptions(const WrapperConfiguration& config) {
  debug::DebugOptions options;
  options.output_dir = config.debug_output_dir;
  options.arrow = config.arrow_debug_on();
  options.protobuf = config.protobuf_debug_on();
  options.flush_interval = std::chrono::seconds(config.debug_flush_interval_secs);
  options.max_file_bytes = config.debug_max_file_size;
  options.max_file_rows = config.debug_max_file_rows;
  if (config.debug_max_file_age_secs) {
    options.max_file_age = std::chrono::seconds(*config.debug_max_file_age_secs);
  }
  options.max_files_retained = config.debug_max_files_retained;
  return options;
}

flight::IpcPayloadOptions MakeIpcOptions(const WrapperConfiguration& config) {
  flight::IpcPayloadOptions options;
  if (config.arrow_ipc_compression == "lz4_frame") {
    options.compression = flight::IpcCompression::kLz4Frame;
  } else if (config.arrow_ipc_compression == "zstd") {
    options.compression = flight::IpcCompression::kZstd;
  }
  if (config.arrow_ipc_compression_level.has_value()) {
    options.compression_level = static_cast<int>(*config.arrow_ipc_compression_level);
  }
  return options;
}

Result<schema::PlanOptions> MakePlanOptions(const WrapperConfiguration& config,
                                            const std::vector<schema::UcColumn>* table_columns) {
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(auth::TableName table, auth::ParseTableName(config.table_name));
  schema::PlanOptions options;
  options.message_name = schema::ToCamelCase(table.table);
  // A proto identifier cannot start with a digit ("2024_sales").
  if (options.message_name.empty() ||
      std::isdigit(static_cast<unsigned char>(options.message_name[0]))) {
    options.message_name = "Table" + options.message_name;
  }
  if (config.descriptor_proto) {
    google::protobuf::DescriptorProto descriptor;
    if (!descriptor.ParseFromString(*config.descriptor_proto)) {
      return ConfigurationError("descriptor_proto (" +
                                std::to_string(config.descriptor_proto->size()) +
                                " bytes) is not a serialized DescriptorProto");
    }
    options.descriptor = std::move(descriptor);
  }
  if (table_columns != nullptr) {
    auto descriptor = schema::DescriptorFromUcColumns(*table_columns, options.message_name);
    if (!descriptor.ok()) {
      return descriptor.status().WithContext("schema_source table: the columns of " +
                                             config.table_name);
    }
    options.descriptor = std::move(descriptor).value();
  }
  return options;
}

Result<std::shared_ptr<auth::HeadersProvider>> MakeHeadersProvider(
    const WrapperConfiguration& config) {
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(auto endpoint, ParseZerobusEndpoint(config.zerobus_endpoint));
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(auth::TableName table, auth::ParseTableName(config.table_name));
  // A token fetch is part of one connect attempt, so connect_timeout_ms bounds it too.
  return auth::MakeOAuthHeadersProvider({config.unity_catalog_url, endpoint.workspace_id, table,
                                         config.client_id, config.client_secret.expose()},
                                        std::chrono::milliseconds(config.connect_timeout_ms));
}

}  // namespace arrow_zerobus::internal
