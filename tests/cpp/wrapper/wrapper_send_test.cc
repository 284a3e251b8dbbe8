// ZerobusWrapper against the emulator: rows land, per-row results, ordering, concurrency,
// schema changes, cancellation and the wrapper's lifecycle.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include <arrow/array/array_binary.h>
#include <arrow/table.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "arrow_zerobus/wrapper.h"
#include "testing/arrow_builders.h"
#include "testing/emulator_fixture.h"
#include "testing/wrapper_fixture.h"
#include "wrapper/read_ahead.h"

namespace arrow_zerobus::testing {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAreArray;

std::unique_ptr<ZerobusWrapper> MakeWrapper(WrapperConfiguration config) {
  auto wrapper = ZerobusWrapper::Create(std::move(config));
  EXPECT_TRUE(wrapper.ok()) << wrapper.status();
  return wrapper.ok() ? std::move(wrapper).value() : nullptr;
}

class WrapperSendTest : public WireFormatTest {};
INSTANTIATE_WIRE_FORMATS(WrapperSendTest);

TEST_P(WrapperSendTest, EveryRowLandsAndIsReportedSuccessful) {
  auto emu = StartEmulator();
  auto wrapper = MakeWrapper(Config(*emu));
  ASSERT_NE(wrapper, nullptr);
  auto batch = EventsBatch(0, 1000);
  TransmissionResult result = wrapper->send_batch(batch);
  ExpectEveryRowOnce(result);
  EXPECT_TRUE(result.success) << result.Summary();
  EXPECT_TRUE(result.error.ok());
  EXPECT_EQ(result.total_rows, 1000);
  EXPECT_EQ(result.successful_rows, Iota(1000));
  EXPECT_FALSE(result.is_partial_success());
  EXPECT_GT(result.encoded_bytes, 1000 * 10);
  EXPECT_GE(result.requests_sent, 1);
  EXPECT_EQ(result.requests_replayed, 0);
  EXPECT_EQ(result.attempts, 1);
  if (arrow()) {
    EXPECT_TRUE(result.stream_ids.empty()) << "Arrow Flight gives a stream no id";
  } else {
    ASSERT_EQ(result.stream_ids.size(), 1u);
    EXPECT_FALSE(result.stream_ids[0].empty());
  }
  EXPECT_GT(result.batch_size_bytes, 0);
  EXPECT_EQ(LandedIds(*emu, kTestTable), Iota(1000));
  ASSERT_TRUE(wrapper->shutdown().ok());
}

TEST_P(WrapperSendTest, EmptyBatchSucceedsWithoutOpeningAStream) {
  auto emu = StartEmulator();
  auto wrapper = MakeWrapper(Config(*emu));
  ASSERT_NE(wrapper, nullptr);
  TransmissionResult result = wrapper->send_batch(EventsBatch(0, 0));
  EXPECT_TRUE(result.success);
  EXPECT_EQ(result.total_rows, 0);
  EXPECT_EQ(emu->Counters(kTestTable).streams_created, 0);
  EXPECT_EQ(wrapper->stats().streams_opened, 0);
}

TEST_P(WrapperSendTest, QuarantineWorkflowSplitsBadRowsFromLandedRows) {
  auto emu = StartEmulator();
  auto wrapper = MakeWrapper(Config(*emu));
  ASSERT_NE(wrapper, nullptr);
  auto batch = EventsBatch(100, 10, /*null_ids=*/{103, 107});
  TransmissionResult result = wrapper->send_batch(batch);
  ExpectEveryRowOnce(result);
  EXPECT_TRUE(result.success) << result.Summary();
  EXPECT_TRUE(result.is_partial_success());
  EXPECT_TRUE(result.has_failed_rows());
  EXPECT_EQ(result.get_failed_row_indices(), (std::vector<int64_t>{3, 7}));
  for (const RowFailure& failure : result.failed_rows) {
    EXPECT_EQ(failure.error.kind(), ErrorKind::kConversion);
    EXPECT_FALSE(failure.error.retryable());
    EXPECT_THAT(failure.error.message(), HasSubstr("id"));
    EXPECT_THAT(failure.error.message(), HasSubstr(std::to_string(failure.row)));
  }

  auto failed = result.extract_failed_batch(*batch);
  ASSERT_TRUE(failed.ok()) << failed.status();
  EXPECT_EQ((*failed)->num_rows(), 2);
  auto names = std::static_pointer_cast<arrow::StringArray>((*failed)->column(1));
  EXPECT_EQ(names->GetString(0), "event-103");
  EXPECT_EQ(names->GetString(1), "event-107");

  auto successful = result.extract_successful_batch(*batch);
  ASSERT_TRUE(successful.ok()) << successful.status();
  std::vector<int64_t> successful_ids = IdsAt(**successful, Iota((*successful)->num_rows()));
  EXPECT_EQ(successful_ids, LandedIds(*emu, kTestTable));
  EXPECT_THAT(successful_ids, ElementsAre(100, 101, 102, 104, 105, 106, 108, 109));

  auto groups = result.group_errors_by_type();
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_THAT(groups["ConversionError"], ElementsAre(3, 7));
  ErrorStatistics stats = result.get_error_statistics();
  EXPECT_DOUBLE_EQ(stats.success_rate, 0.8);
  EXPECT_DOUBLE_EQ(stats.failure_rate, 0.2);
  EXPECT_EQ(stats.error_type_counts["ConversionError"], 2);
  EXPECT_EQ(result.get_error_messages().size(), 2u);
  EXPECT_THAT(result.get_failed_row_indices_by_error_type("ConversionError"), ElementsAre(3, 7));

  auto wrong_batch = result.extract_failed_batch(*EventsBatch(0, 3));
  EXPECT_FALSE(wrong_batch.ok());
  EXPECT_THAT(wrong_batch.status().message(), HasSubstr("10 rows"));
}

TEST_P(WrapperSendTest, BatchWhoseRowsAllFailConversionIsNotASuccessAndSendsNothing) {
  auto emu = StartEmulator();
  auto wrapper = MakeWrapper(Config(*emu));
  ASSERT_NE(wrapper, nullptr);
  TransmissionResult result = wrapper->send_batch(EventsBatch(0, 3, {0, 1, 2}));
  ExpectEveryRowOnce(result);
  EXPECT_FALSE(result.success);
  EXPECT_EQ(result.error.kind(), ErrorKind::kConversion);
  EXPECT_EQ(result.failed_count, 3);
  EXPECT_EQ(result.requests_sent, 0);
  EXPECT_EQ(emu->Counters(kTestTable).streams_created, 0);
}

TEST_P(WrapperSendTest, UnsupportedSchemaFailsEveryRowNamingTheColumn) {
  auto emu = StartEmulator();
  auto wrapper = MakeWrapper(Config(*emu));
  ASSERT_NE(wrapper, nullptr);
  auto batch = MakeBatch({arrow::field("nothing", arrow::null())},
                         {ArrayFromJson(arrow::null(), "[null, null]")});
  TransmissionResult result = wrapper->send_batch(batch);
  ExpectEveryRowOnce(result);
  EXPECT_FALSE(result.success);
  EXPECT_EQ(result.error.kind(), ErrorKind::kConfiguration);
  EXPECT_THAT(result.error.message(), HasSubstr("nothing"));
  EXPECT_EQ(result.failed_count, 2);
}

TEST_P(WrapperSendTest, NullBatchIsAnErrorNotACrash) {
  auto emu = StartEmulator();
  auto wrapper = MakeWrapper(Config(*emu));
  ASSERT_NE(wrapper, nullptr);
  TransmissionResult result = wrapper->send_batch(nullptr);
  EXPECT_FALSE(result.success);
  EXPECT_THAT(result.error.message(), HasSubstr("null"));
}

TEST_P(WrapperSendTest, SchemaChangeOpensAStreamWithTheNewDescriptor) {
  auto emu = StartEmulator();
  auto wrapper = MakeWrapper(Config(*emu));
  ASSERT_NE(wrapper, nullptr);
  ASSERT_TRUE(wrapper->send_batch(EventsBatch(0, 5)).success);
  // The same columns plus one: a new descriptor, so a new stream.
  auto wider = MakeBatch(
      {arrow::field("id", arrow::int64(), false), arrow::field("name", arrow::utf8()),
       arrow::field("score", arrow::float64())},
      {ArrayFromJson(arrow::int64(), "[5, 6]"), ArrayFromJson(arrow::utf8(), R"(["a", "b"])"),
       ArrayFromJson(arrow::float64(), "[1.5, 2.5]")});
  TransmissionResult result = wrapper->send_batch(wider);
  EXPECT_TRUE(result.success) << result.Summary();
  ASSERT_TRUE(wrapper->send_batch(EventsBatch(7, 1)).success);
  EXPECT_EQ(wrapper->stats().streams_opened, 3);
  EXPECT_EQ(emu->Counters(kTestTable).streams_created, 3);
  EXPECT_EQ(LandedIds(*emu, kTestTable), (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7}));
  // The same schema again reuses the stream.
  ASSERT_TRUE(wrapper->send_batch(EventsBatch(8, 1)).success);
  EXPECT_EQ(wrapper->stats().streams_opened, 3);
}

TEST_P(WrapperSendTest, AsyncSendsLandInCallOrderAndCallBackOnce) {
  auto emu = StartEmulator();
  auto wrapper = MakeWrapper(Config(*emu));
  ASSERT_NE(wrapper, nullptr);
  std::atomic<int> callbacks{0};
  std::vector<BatchFuture> futures;
  for (int i = 0; i < 50; ++i) {
    futures.push_back(
        wrapper->send_batch_async(EventsBatch(i * 10, 10), [&](const TransmissionResult& result) {
          EXPECT_TRUE(result.success);
          ++callbacks;
        }));
  }
  for (const BatchFuture& future : futures) {
    EXPECT_TRUE(future.get().success) << future.get().Summary();
  }
  EXPECT_EQ(LandedIds(*emu, kTestTable), Iota(500));
  ASSERT_TRUE(wrapper->flush().ok());
  EXPECT_TRUE(WaitUntil([&] { return callbacks.load() == 50; }));
  ASSERT_TRUE(wrapper->shutdown().ok());
  EXPECT_EQ(callbacks.load(), 50);
}

TEST_P(WrapperSendTest, CallbackMaySendAnotherBatchWithoutDeadlock) {
  auto emu = StartEmulator();
  auto wrapper = MakeWrapper(Config(*emu));
  ASSERT_NE(wrapper, nullptr);
  std::atomic<bool> inner_done{false};
  BatchFuture outer = wrapper->send_batch_async(EventsBatch(0, 3), [&](const TransmissionResult&) {
    TransmissionResult inner = wrapper->send_batch(EventsBatch(3, 3));
    EXPECT_TRUE(inner.success);
    inner_done = true;
  });
  EXPECT_TRUE(outer.get().success);
  EXPECT_TRUE(WaitUntil([&] { return inner_done.load(); }, std::chrono::seconds(10)));
  EXPECT_EQ(LandedIds(*emu, kTestTable), Iota(6));
}

TEST_P(WrapperSendTest, ManyThreadsSendAtOnceAndEveryRowLandsOnce) {
  auto emu = StartEmulator();
  WrapperConfiguration config = Config(*emu);
  config.worker_threads = 3;
  auto wrapper = MakeWrapper(config);
  ASSERT_NE(wrapper, nullptr);
  constexpr int kThreads = 8, kBatches = 20, kRows = 100;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int b = 0; b < kBatches; ++b) {
        TransmissionResult result =
            wrapper->send_batch(EventsBatch((t * kBatches + b) * kRows, kRows));
        if (!result.success || result.successful_count != kRows) ++failures;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  std::vector<int64_t> landed = LandedIds(*emu, kTestTable);
  std::sort(landed.begin(), landed.end());
  EXPECT_EQ(landed, Iota(kThreads * kBatches * kRows));
  EXPECT_EQ(wrapper->stats().streams_opened, 1);
  EXPECT_EQ(wrapper->stats().rows_succeeded, kThreads * kBatches * kRows);
}

TEST_P(WrapperSendTest, SendTableAndReaderNumberRowsAcrossChunks) {
  auto emu = StartEmulator();
  auto wrapper = MakeWrapper(Config(*emu));
  ASSERT_NE(wrapper, nullptr);
  auto table = arrow::Table::FromRecordBatches(
      {EventsBatch(0, 4), EventsBatch(4, 3, {5}), EventsBatch(7, 5, {11})});
  ASSERT_TRUE(table.ok());
  TransmissionResult result = wrapper->send_table(*table);
  ExpectEveryRowOnce(result);
  EXPECT_TRUE(result.success) << result.Summary();
  EXPECT_EQ(result.total_rows, 12);
  EXPECT_EQ(result.get_failed_row_indices(), (std::vector<int64_t>{5, 11}));
  EXPECT_EQ(result.requests_sent, 3);
  EXPECT_EQ(LandedIds(*emu, kTestTable), (std::vector<int64_t>{0, 1, 2, 3, 4, 6, 7, 8, 9, 10}));
}

TEST_P(WrapperSendTest, FailedBatchOfAReaderComesFromTheResultWithItsErrors) {
  auto emu = StartEmulator();
  auto wrapper = MakeWrapper(Config(*emu));
  ASSERT_NE(wrapper, nullptr);
  auto table = arrow::Table::FromRecordBatches(
      {EventsBatch(0, 4), EventsBatch(4, 3, {5}), EventsBatch(7, 5, {11})});
  ASSERT_TRUE(table.ok());
  arrow::TableBatchReader reader(**table);
  TransmissionResult result = wrapper->send_reader(reader);
  ExpectEveryRowOnce(result);
  EXPECT_TRUE(result.success) << result.Summary();
  EXPECT_FALSE(result.all_rows_landed()) << "success stays true with failed rows; this does not";

  auto failed = result.failed_batch();
  ASSERT_TRUE(failed.ok()) << failed.status();
  const arrow::Schema& schema = *(*failed)->schema();
  ASSERT_EQ(schema.num_fields(), 5);
  EXPECT_EQ(schema.field(0)->name(), "id");
  EXPECT_TRUE(schema.field(0)->nullable()) << "a failed row may hold the null it was refused for";
  EXPECT_EQ(schema.field(2)->name(), "_zerobus_row");
  EXPECT_EQ(schema.field(3)->name(), "_zerobus_error_type");
  EXPECT_EQ(schema.field(4)->name(), "_zerobus_error");
  ASSERT_EQ((*failed)->num_rows(), 2);
  EXPECT_TRUE((*failed)->column(0)->IsNull(0));
  const auto& names = static_cast<const arrow::StringArray&>(*(*failed)->column(1));
  EXPECT_EQ(names.GetString(0), "event-5");
  EXPECT_EQ(names.GetString(1), "event-11");
  const auto& rows = static_cast<const arrow::Int64Array&>(*(*failed)->column(2));
  EXPECT_EQ(rows.Value(0), 5);
  EXPECT_EQ(rows.Value(1), 11);
  const auto& types = static_cast<const arrow::StringArray&>(*(*failed)->column(3));
  EXPECT_EQ(types.GetString(1), "ConversionError");
  const auto& messages = static_cast<const arrow::StringArray&>(*(*failed)->column(4));
  EXPECT_EQ(messages.GetString(1), result.failed_rows[1].error.message());
}

TEST_P(WrapperSendTest, AllRowsLandedOnlyWhenEveryRowLanded) {
  auto emu = StartEmulator();
  auto wrapper = MakeWrapper(Config(*emu));
  ASSERT_NE(wrapper, nullptr);
  TransmissionResult result = wrapper->send_batch(EventsBatch(0, 10));
  EXPECT_TRUE(result.all_rows_landed()) << result.Summary();
  auto failed = result.failed_batch();
  ASSERT_TRUE(failed.ok()) << failed.status();
  EXPECT_EQ((*failed)->num_rows(), 0);
  EXPECT_EQ((*failed)->num_columns(), 5);
  EXPECT_FALSE(wrapper->send_batch(EventsBatch(10, 10, {12})).all_rows_landed());
}

// A reader that counts the batches read from it.
class CountingReader : public arrow::RecordBatchReader {
 public:
  explicit CountingReader(std::shared_ptr<arrow::RecordBatch> batch) : batch_(std::move(batch)) {}
  std::shared_ptr<arrow::Schema> schema() const override { return batch_->schema(); }
  arrow::Status ReadNext(std::shared_ptr<arrow::RecordBatch>* out) override {
    ++reads;
    *out = reads == 1 ? batch_ : nullptr;
    return arrow::Status::OK();
  }
  int reads = 0;

 private:
  std::shared_ptr<arrow::RecordBatch> batch_;
};

TEST_P(WrapperSendTest, UnsupportedColumnTypeIsRefusedOnceBeforeAnyRowIsRead) {
  auto emu = StartEmulator();
  auto wrapper = MakeWrapper(Config(*emu));
  ASSERT_NE(wrapper, nullptr);
  auto spans = ArrayFromJson(arrow::month_day_nano_interval(), "[[1, 2, 3], [0, 1, 0]]");
  auto batch = MakeBatch({arrow::field("id", arrow::int64()), arrow::field("span", spans->type())},
                         {ArrayFromJson(arrow::int64(), "[1, 2]"), spans});
  const Status checked = wrapper->check_schema(batch->schema());
  EXPECT_EQ(checked.kind(), ErrorKind::kConfiguration);
  EXPECT_THAT(checked.message(),
              AllOf(HasSubstr("column 'span'"), HasSubstr("month_day_nano_interval")));

  CountingReader reader(batch);
  TransmissionResult result = wrapper->send_reader(reader);
  EXPECT_EQ(reader.reads, 0);
  EXPECT_FALSE(result.success);
  EXPECT_FALSE(result.all_rows_landed());
  EXPECT_EQ(result.error.message(), checked.message());
  EXPECT_EQ(result.total_rows, 0);
  EXPECT_TRUE(result.failed_rows.empty()) << "one error, not one per row";
  auto failed = result.failed_batch();
  ASSERT_TRUE(failed.ok()) << failed.status();
  EXPECT_EQ((*failed)->num_columns(), 5);

  auto table = arrow::Table::FromRecordBatches({batch, batch});
  ASSERT_TRUE(table.ok());
  result = wrapper->send_table(*table);
  EXPECT_EQ(result.error.message(), checked.message());
  EXPECT_TRUE(result.failed_rows.empty());
  EXPECT_EQ(emu->Counters(kTestTable).streams_created, 0);
  EXPECT_TRUE(wrapper->check_schema(EventsBatch(0, 1)->schema()).ok());
}

TEST_P(WrapperSendTest, CancelGivesUpABatchThatWasNotSentYet) {
  auto emu = StartEmulator();
  emulator::FaultScript slow_create;
  slow_create.create_delay = std::chrono::milliseconds(800);
  emu->SetFaultScript(kTestTable, slow_create);
  WrapperConfiguration config = Config(*emu);
  config.worker_threads = 1;
  auto wrapper = MakeWrapper(config);
  ASSERT_NE(wrapper, nullptr);
  BatchFuture first = wrapper->send_batch_async(EventsBatch(0, 5));
  std::atomic<int> callbacks{0};
  BatchFuture second =
      wrapper->send_batch_async(EventsBatch(5, 5), [&](const TransmissionResult&) { ++callbacks; });
  EXPECT_TRUE(second.cancel());
  EXPECT_FALSE(second.cancel());
  ASSERT_TRUE(second.ready());
  const TransmissionResult& cancelled = second.get();
  ExpectEveryRowOnce(cancelled);
  EXPECT_FALSE(cancelled.success);
  EXPECT_EQ(cancelled.error.code(), StatusCode::kCancelled);
  EXPECT_EQ(cancelled.failed_count, 5);
  auto cancelled_rows = cancelled.failed_batch();
  ASSERT_TRUE(cancelled_rows.ok()) << cancelled_rows.status();
  EXPECT_EQ(IdsAt(**cancelled_rows, Iota(5)), (std::vector<int64_t>{5, 6, 7, 8, 9}));
  EXPECT_TRUE(first.get().success);
  EXPECT_FALSE(first.cancel()) << "a finished send cannot be cancelled";
  ASSERT_TRUE(wrapper->flush().ok());
  EXPECT_EQ(LandedIds(*emu, kTestTable), Iota(5));
  EXPECT_TRUE(WaitUntil([&] { return callbacks.load() == 1; }));
}

TEST_P(WrapperSendTest, ShutdownIsIdempotentAndLaterSendsFailEveryRow) {
  auto emu = StartEmulator();
  auto wrapper = MakeWrapper(Config(*emu));
  ASSERT_NE(wrapper, nullptr);
  ASSERT_TRUE(wrapper->send_batch(EventsBatch(0, 2)).success);
  EXPECT_TRUE(wrapper->shutdown().ok());
  EXPECT_TRUE(wrapper->shutdown().ok());
  TransmissionResult late = wrapper->send_batch(EventsBatch(2, 4));
  ExpectEveryRowOnce(late);
  EXPECT_FALSE(late.success);
  EXPECT_EQ(late.failed_count, 4);
  EXPECT_THAT(late.error.message(), HasSubstr("shut down"));
  EXPECT_TRUE(wrapper->flush().ok());
}

TEST_P(WrapperSendTest, FlushWaitsForEveryAcknowledgement) {
  auto emu = StartEmulator();
  emulator::FaultScript slow_acks;
  slow_acks.ack_delay = std::chrono::milliseconds(30);
  emu->SetFaultScript(kTestTable, slow_acks);
  auto wrapper = MakeWrapper(Config(*emu));
  ASSERT_NE(wrapper, nullptr);
  std::vector<BatchFuture> futures;
  for (int i = 0; i < 10; ++i) futures.push_back(wrapper->send_batch_async(EventsBatch(i, 1)));
  ASSERT_TRUE(wrapper->flush().ok());
  for (const BatchFuture& future : futures) EXPECT_TRUE(future.ready());
  EXPECT_EQ(LandedIds(*emu, kTestTable), Iota(10));
}

TEST_P(WrapperSendTest, CreateRejectsAnInvalidConfiguration) {
  WrapperConfiguration config("https://1234.zerobus.example.com", "not-a-table");
  auto wrapper = ZerobusWrapper::Create(config);
  ASSERT_FALSE(wrapper.ok());
  EXPECT_EQ(wrapper.status().kind(), ErrorKind::kConfiguration);
  EXPECT_THAT(wrapper.status().message(), HasSubstr("table"));
}

// A reader of `batches` batches of `rows` Event rows that counts how many it was asked for.
class EventsReader : public arrow::RecordBatchReader {
 public:
  EventsReader(int batches, int64_t rows) : batches_(batches), rows_(rows) {}
  std::shared_ptr<arrow::Schema> schema() const override { return EventsBatch(0, 1)->schema(); }
  arrow::Status ReadNext(std::shared_ptr<arrow::RecordBatch>* batch) override {
    const int index = read_.load();
    *batch = index < batches_ ? EventsBatch(index * rows_, rows_) : nullptr;
    if (index < batches_) read_.store(index + 1);
    return arrow::Status::OK();
  }
  int read() const { return read_.load(); }

 private:
  const int batches_;
  const int64_t rows_;
  std::atomic<int> read_{0};
};

/// Waits up to `bound` for `reached`; whether it held.
template <typename Reached>
bool WaitUpTo(std::chrono::milliseconds bound, Reached reached) {
  const auto deadline = std::chrono::steady_clock::now() + bound;
  while (!reached() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return reached();
}

TEST_P(WrapperSendTest, SendReaderKeepsManySmallBatchesInFlightWhileAcksAreSlow) {
  // Acks take 3 s. Bounded by bytes, not by a count of 32 batches, all 200 one-row batches are
  // read and sent before the first ack could come back.
  auto emu = StartEmulator();
  emulator::FaultScript slow_acks;
  slow_acks.ack_delay = std::chrono::milliseconds(3000);
  emu->SetFaultScript(kTestTable, slow_acks);
  auto wrapper = MakeWrapper(Config(*emu));
  ASSERT_NE(wrapper, nullptr);
  EventsReader reader(200, 1);
  TransmissionResult result;
  const auto started = std::chrono::steady_clock::now();
  std::thread sender([&] { result = wrapper->send_reader(reader); });
  WaitUpTo(std::chrono::milliseconds(2500), [&] { return reader.read() == 200; });
  const int read_in_time = reader.read();
  const auto read_after = std::chrono::steady_clock::now() - started;
  sender.join();
  EXPECT_EQ(read_in_time, 200) << "batches read before the first acknowledgement was due";
  EXPECT_LT(read_after, std::chrono::milliseconds(3000));
  ExpectEveryRowOnce(result);
  EXPECT_TRUE(result.all_rows_landed()) << result.Summary();
  EXPECT_EQ(LandedIds(*emu, kTestTable), Iota(200));
}

TEST_P(WrapperSendTest, SendReaderReadsNoFurtherAheadThanTheStreamsWindow) {
  // A window of 64 KiB and batches larger than it: the second batch is read only once the
  // first is acknowledged (acks take 400 ms), so a file is not read into memory ahead of them.
  auto emu = StartEmulator();
  emulator::FaultScript slow_acks;
  slow_acks.ack_delay = std::chrono::milliseconds(400);
  emu->SetFaultScript(kTestTable, slow_acks);
  WrapperConfiguration config = Config(*emu);
  config.max_inflight_bytes = 64 * 1024;
  auto wrapper = MakeWrapper(config);
  ASSERT_NE(wrapper, nullptr);
  constexpr int64_t kRows = 5000;
  ASSERT_GE(internal::BatchBytes(*EventsBatch(0, kRows)), config.max_inflight_bytes);
  EventsReader reader(4, kRows);
  TransmissionResult result;
  std::thread sender([&] { result = wrapper->send_reader(reader); });
  ASSERT_TRUE(WaitUpTo(std::chrono::milliseconds(2000), [&] { return reader.read() >= 1; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  EXPECT_EQ(reader.read(), 1) << "read ahead of the first acknowledgement";
  sender.join();
  ExpectEveryRowOnce(result);
  EXPECT_TRUE(result.all_rows_landed()) << result.Summary();
  EXPECT_EQ(LandedIds(*emu, kTestTable), Iota(4 * kRows));
}

}  // namespace
}  // namespace arrow_zerobus::testing
