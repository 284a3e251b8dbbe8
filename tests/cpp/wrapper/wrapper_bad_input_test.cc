// ZerobusWrapper's public API given what it should refuse (issue 15, section 5): batches whose
// arrays do not match their schema or row count, a default-constructed BatchFuture, calls racing
// a shutdown, and settings whose deadlines would overflow. Each must end in a Status or a result
// naming the problem, never a crash, a hang or rows silently left out.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include <arrow/array/builder_primitive.h>
#include <arrow/record_batch.h>
#include <arrow/table.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "arrow_zerobus/wrapper.h"
#include "testing/arrow_builders.h"
#include "testing/emulator_fixture.h"
#include "testing/wrapper_fixture.h"

namespace arrow_zerobus::testing {
namespace {

using ::testing::HasSubstr;

std::shared_ptr<arrow::Array> Ids(int64_t count) {
  arrow::Int64Builder builder;
  for (int64_t i = 0; i < count; ++i) EXPECT_TRUE(builder.Append(i).ok());
  return builder.Finish().ValueOrDie();
}

TEST(BatchFutureTest, ADefaultConstructedFutureAnswersWithoutACrash) {
  // Every member dereferenced a null state: a segfault for any use but valid().
  const BatchFuture future;
  EXPECT_FALSE(future.valid());
  EXPECT_TRUE(future.ready());
  EXPECT_TRUE(future.wait_for(std::chrono::milliseconds(0)));
  EXPECT_FALSE(future.cancel());
  const TransmissionResult& result = future.get();
  EXPECT_FALSE(result.success);
  EXPECT_EQ(result.total_rows, 0);
  EXPECT_EQ(result.error.kind(), ErrorKind::kConfiguration);
  EXPECT_THAT(result.error.message(), HasSubstr("default-constructed"));
}

// Each test gets an emulator and a wrapper for kTestTable on it, in its wire format.
class WrapperBadInputTest : public WireFormatTest {
 protected:
  void SetUp() override {
    emu_ = StartEmulator();
    auto created = ZerobusWrapper::Create(Config(*emu_));
    ASSERT_TRUE(created.ok()) << created.status();
    wrapper_ = std::move(created).value();
  }

  std::unique_ptr<emulator::Emulator> emu_;
  std::unique_ptr<ZerobusWrapper> wrapper_;
};
INSTANTIATE_WIRE_FORMATS(WrapperBadInputTest);

TEST_P(WrapperBadInputTest, BatchesWhoseArraysDoNotMatchAreRefusedWholeNamingTheProblem) {
  const auto schema = arrow::schema({arrow::field("id", arrow::int64(), /*nullable=*/false)});
  // RecordBatch::Make does not check its arguments. The Arrow format sent a column of another
  // type than its schema says as it was (the rows "landed"); the lengths were checked already.
  const std::vector<std::pair<const char*, std::shared_ptr<arrow::RecordBatch>>> bad = {
      {"more rows than the column", arrow::RecordBatch::Make(schema, 1000, {Ids(3)})},
      {"fewer rows than the column", arrow::RecordBatch::Make(schema, 2, {Ids(5)})},
      {"a column of another type",
       arrow::RecordBatch::Make(schema, 2, {ArrayFromJson(arrow::utf8(), R"(["a", "b"])")})},
  };
  for (const auto& [what, batch] : bad) {
    SCOPED_TRACE(what);
    const TransmissionResult result = wrapper_->send_batch(batch);
    ExpectEveryRowOnce(result);
    EXPECT_FALSE(result.success);
    EXPECT_EQ(result.successful_count, 0);
    EXPECT_EQ(result.failed_count, batch->num_rows());
    EXPECT_EQ(result.error.kind(), ErrorKind::kConversion);
    EXPECT_THAT(result.error.message(), HasSubstr("column 'id'"));
  }
  // The table got nothing, and the wrapper still sends good batches.
  EXPECT_EQ(LandedIds(*emu_, kTestTable).size(), 0u);
  EXPECT_TRUE(wrapper_->send_batch(EventsBatch(0, 3)).success);
  EXPECT_TRUE(wrapper_->shutdown().ok());
}

TEST_P(WrapperBadInputTest, AReaderWhoseBatchIsMalformedFailsThatBatchOnly) {
  auto good = EventsBatch(0, 4);
  auto broken = arrow::RecordBatch::Make(good->schema(), 100, good->columns());
  auto reader = arrow::RecordBatchReader::Make({good, broken, EventsBatch(4, 2)});
  ASSERT_TRUE(reader.ok());
  const TransmissionResult result = wrapper_->send_reader(**reader);
  ExpectEveryRowOnce(result);
  EXPECT_EQ(result.total_rows, 106);
  EXPECT_EQ(result.successful_count, 6);
  EXPECT_EQ(result.failed_count, 100);
  EXPECT_EQ(LandedIds(*emu_, kTestTable), Iota(6));
}

TEST_P(WrapperBadInputTest, NullTableReaderAndSchemaAreErrors) {
  const TransmissionResult table = wrapper_->send_table(nullptr);
  EXPECT_FALSE(table.success);
  EXPECT_THAT(table.error.message(), HasSubstr("null"));
  const Status schema = wrapper_->check_schema(nullptr);
  EXPECT_EQ(schema.kind(), ErrorKind::kConfiguration);
  EXPECT_THAT(schema.message(), HasSubstr("null"));
}

TEST_P(WrapperBadInputTest, SendsRacingAShutdownEachAccountForEveryRow) {
  emulator::FaultScript slow_acks;
  slow_acks.ack_delay = std::chrono::milliseconds(20);
  emu_->SetFaultScript(kTestTable, slow_acks);
  std::atomic<int64_t> rows{0};
  std::atomic<int64_t> accounted{0};
  std::atomic<int> after_shutdown{0};
  std::vector<std::thread> senders;
  for (int t = 0; t < 4; ++t) {
    senders.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        const TransmissionResult result = wrapper_->send_batch(EventsBatch(t * 10000 + i * 10, 10));
        ExpectEveryRowOnce(result);
        rows += 10;
        accounted += result.successful_count + result.failed_count;
        if (result.error.message().find("shut down") != std::string::npos) ++after_shutdown;
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::vector<std::thread> closers;
  for (int c = 0; c < 2; ++c) closers.emplace_back([&] { EXPECT_TRUE(wrapper_->shutdown().ok()); });
  for (auto& thread : closers) thread.join();
  for (auto& thread : senders) thread.join();
  EXPECT_EQ(accounted.load(), rows.load());
  EXPECT_GT(after_shutdown.load(), 0) << "the shutdown came after every send";
  // Whatever the wrapper reported successful landed.
  EXPECT_GE(static_cast<int64_t>(LandedIds(*emu_, kTestTable).size()),
            wrapper_->stats().rows_succeeded);
  EXPECT_TRUE(wrapper_->flush().ok());
  EXPECT_TRUE(wrapper_->shutdown(std::chrono::milliseconds(-5)).ok());
}

}  // namespace
}  // namespace arrow_zerobus::testing
