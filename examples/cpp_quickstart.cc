// The C++ quick start of docs/api.md as a program: configuration from ZEROBUS_* environment
// variables, one batch with two bad rows, the per-row outcome and the quarantine split.
//
//   ZEROBUS_ENDPOINT=... ZEROBUS_TABLE_NAME=main.default.quickstart ZEROBUS_CLIENT_ID=...
//   ZEROBUS_CLIENT_SECRET=... ZEROBUS_UNITY_CATALOG_URL=... ./cpp_quickstart
//
// Exit status: 0 when every good row landed and exactly the bad rows failed.
#include <iostream>
#include <memory>

#include <arrow/api.h>

#include "arrow_zerobus/wrapper.h"

namespace {

// Five orders; ids 3 and 5 are null although the column is not nullable.
std::shared_ptr<arrow::RecordBatch> MakeOrders() {
  arrow::Int64Builder ids;
  arrow::StringBuilder names;
  arrow::DoubleBuilder amounts;
  const std::string customers[] = {"Ada", "Grace", "Alan", "Edsger", "Barbara"};
  for (int i = 0; i < 5; ++i) {
    (void)(i == 2 || i == 4 ? ids.AppendNull() : ids.Append(i + 1));
    (void)names.Append(customers[i]);
    (void)amounts.Append(10.5 * (i + 1));
  }
  auto schema = arrow::schema({arrow::field("id", arrow::int64(), /*nullable=*/false),
                               arrow::field("name", arrow::utf8()),
                               arrow::field("amount", arrow::float64())});
  return arrow::RecordBatch::Make(
      schema, 5,
      {ids.Finish().ValueOrDie(), names.Finish().ValueOrDie(), amounts.Finish().ValueOrDie()});
}

}  // namespace

int main() {
  using arrow_zerobus::WrapperConfiguration;
  using arrow_zerobus::ZerobusWrapper;

  auto config = WrapperConfiguration::FromEnvironment();
  if (!config.ok()) {
    std::cerr << config.status() << "\n";
    return 2;
  }
  auto wrapper = ZerobusWrapper::Create(*config);
  if (!wrapper.ok()) {
    std::cerr << wrapper.status() << "\n";
    return 2;
  }

  auto batch = MakeOrders();
  arrow_zerobus::TransmissionResult result = (*wrapper)->send_batch(batch);
  std::cout << result.Summary() << "\n";
  if (result.is_partial_success()) {
    auto failed = result.extract_failed_batch(*batch);
    auto landed = result.extract_successful_batch(*batch);
    if (!failed.ok() || !landed.ok()) return 1;
    std::cout << "Quarantining " << (*failed)->num_rows() << " rows; " << (*landed)->num_rows()
              << " rows are in the table\n";
  }
  for (const auto& message : result.get_error_messages()) std::cout << "  " << message << "\n";
  for (const auto& [type, rows] : result.group_errors_by_type()) {
    std::cout << type << ": " << rows.size() << " rows\n";
  }
  const bool as_expected = result.success && result.successful_count == 3 &&
                           result.get_failed_row_indices() == std::vector<int64_t>{2, 4};
  if (!(*wrapper)->shutdown().ok()) return 1;
  return as_expected ? 0 : 1;
}
