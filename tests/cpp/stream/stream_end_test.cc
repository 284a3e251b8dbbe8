// The one translation of a stream call's end, for both wire formats.
#include "stream/stream_end.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/stream_formats.h"

namespace arrow_zerobus::stream {
namespace {

using ::arrow_zerobus::testing::BothFormatsTest;
using ::arrow_zerobus::testing::EventProtocol;
using ::testing::HasSubstr;

class StreamEndTest : public BothFormatsTest {
 protected:
  Status End(const grpc::Status& status, bool opened, std::string stream_id = "") {
    protocol_ = EventProtocol(format());
    return TranslateStreamEnd(
        status, EndedCall{protocol_.get(), "main.default.events", opened, std::move(stream_id)});
  }
  std::shared_ptr<const StreamProtocol> protocol_;
};

TEST_P(StreamEndTest, RefusedCredentialsBeforeOpeningAreAuthenticationErrors) {
  const Status auth = End(grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "expired"), false);
  EXPECT_EQ(auth.code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(auth.kind(), ErrorKind::kAuthentication);
  EXPECT_FALSE(auth.retryable());
  EXPECT_THAT(auth.message(), HasSubstr("UNAUTHENTICATED: expired"));
  EXPECT_THAT(auth.message(), HasSubstr("main.default.events"));
  const Status denied = End(grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "no"), false);
  EXPECT_EQ(denied.kind(), ErrorKind::kAuthentication);
}

TEST_P(StreamEndTest, SetupAndLaterFailuresKeepTheCodeTableRetryability) {
  const Status setup = End(grpc::Status(grpc::StatusCode::UNAVAILABLE, "busy"), false);
  EXPECT_EQ(setup.kind(), ErrorKind::kConnection);
  EXPECT_TRUE(setup.retryable());
  const Status later = End(grpc::Status(grpc::StatusCode::UNAVAILABLE, "6002"), true, "s-1");
  EXPECT_EQ(later.kind(), ErrorKind::kTransmission);
  EXPECT_TRUE(later.retryable());
  EXPECT_THAT(later.message(), HasSubstr("UNAVAILABLE: 6002"));
  EXPECT_THAT(later.message(), HasSubstr(std::string(protocol_->label())));
  EXPECT_FALSE(End(grpc::Status(grpc::StatusCode::NOT_FOUND, "no table"), false).retryable());
  EXPECT_FALSE(End(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "bad"), true).retryable());
}

TEST_P(StreamEndTest, AnEndWithoutAnErrorStatusIsAbortedAndRetryableInEveryFormat) {
  const Status closed = End(grpc::Status::OK, /*opened=*/true, "s-2");
  EXPECT_EQ(closed.code(), StatusCode::kAborted);
  EXPECT_EQ(closed.kind(), ErrorKind::kTransmission);
  EXPECT_TRUE(closed.retryable());
  EXPECT_THAT(closed.message(), HasSubstr("without an error status"));
  const Status early = End(grpc::Status::OK, /*opened=*/false);
  EXPECT_EQ(early.code(), StatusCode::kAborted);
  EXPECT_EQ(early.kind(), ErrorKind::kConnection);
  EXPECT_TRUE(early.retryable());
}

INSTANTIATE_BOTH_FORMATS(StreamEndTest);

}  // namespace
}  // namespace arrow_zerobus::stream
