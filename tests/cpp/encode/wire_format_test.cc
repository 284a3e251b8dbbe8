// Wire-format primitives checked byte for byte against protobuf's own implementation.
#include "encode/wire_format.h"

#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>
#include <gtest/gtest.h>

namespace arrow_zerobus::encode {
namespace {

using google::protobuf::internal::WireFormatLite;
using google::protobuf::io::CodedOutputStream;

constexpr uint8_t kGuard = 0xA5;

std::string ProtobufVarint(uint64_t v) {
  uint8_t buf[16];
  uint8_t* end = CodedOutputStream::WriteVarint64ToArray(v, buf);
  return std::string(reinterpret_cast<char*>(buf), end - buf);
}

/// WriteVarint's output; checks that nothing is written past the returned end.
std::string OurVarint(uint64_t v) {
  uint8_t buf[32];
  std::memset(buf, kGuard, sizeof buf);
  uint8_t* end = WriteVarint(v, buf + 4);
  const size_t n = static_cast<size_t>(end - (buf + 4));
  for (int i = 0; i < 4; ++i) EXPECT_EQ(buf[i], kGuard) << "wrote before the start, v=" << v;
  for (size_t i = 4 + n; i < sizeof buf; ++i) {
    EXPECT_EQ(buf[i], kGuard) << "wrote past the end at +" << (i - 4) << ", v=" << v;
  }
  return std::string(reinterpret_cast<char*>(buf + 4), n);
}

/// Boundaries of every varint length, plus extremes.
std::vector<uint64_t> BoundaryValues() {
  std::vector<uint64_t> values = {0,
                                  1,
                                  2,
                                  127,
                                  128,
                                  255,
                                  256,
                                  16383,
                                  16384,
                                  (uint64_t{1} << 21) - 1,
                                  uint64_t{1} << 21,
                                  std::numeric_limits<uint32_t>::max(),
                                  static_cast<uint64_t>(std::numeric_limits<int64_t>::max()),
                                  uint64_t{1} << 63,
                                  std::numeric_limits<uint64_t>::max()};
  for (int bits = 7; bits < 64; bits += 7) {
    values.push_back((uint64_t{1} << bits) - 1);
    values.push_back(uint64_t{1} << bits);
    values.push_back((uint64_t{1} << bits) + 1);
  }
  for (int bit = 0; bit < 64; ++bit) {
    values.push_back(uint64_t{1} << bit);
    values.push_back((uint64_t{1} << bit) - 1);
    values.push_back(~uint64_t{0} >> bit);
  }
  return values;
}

std::vector<uint64_t> RandomValues() {
  std::mt19937_64 rng(20240611);
  std::vector<uint64_t> values;
  for (int i = 0; i < 20000; ++i) {
    const int bits = static_cast<int>(rng() % 65);  // uniform over lengths, not magnitudes
    const uint64_t v = bits == 0 ? 0 : rng() >> (64 - bits);
    values.push_back(v);
  }
  return values;
}

TEST(WireFormatTest, VarintSizeAtBoundaries) {
  struct Case {
    uint64_t value;
    uint32_t size;
  };
  const Case cases[] = {
      {0, 1},
      {127, 1},
      {128, 2},
      {16383, 2},
      {16384, 3},
      {(uint64_t{1} << 21) - 1, 3},
      {uint64_t{1} << 21, 4},
      {(uint64_t{1} << 28) - 1, 4},
      {uint64_t{1} << 28, 5},
      {(uint64_t{1} << 35) - 1, 5},
      {uint64_t{1} << 35, 6},
      {(uint64_t{1} << 42) - 1, 6},
      {uint64_t{1} << 42, 7},
      {(uint64_t{1} << 49) - 1, 7},
      {uint64_t{1} << 49, 8},
      {(uint64_t{1} << 56) - 1, 8},
      {uint64_t{1} << 56, 9},
      {(uint64_t{1} << 63) - 1, 9},
      {uint64_t{1} << 63, 10},
      {std::numeric_limits<uint64_t>::max(), 10},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(VarintSize(c.value), c.size) << c.value;
    EXPECT_EQ(CodedOutputStream::VarintSize64(c.value), c.size) << c.value;
    EXPECT_EQ(OurVarint(c.value).size(), c.size) << c.value;
  }
}

TEST(WireFormatTest, VarintSizeMatchesProtobufAndWriteVarint) {
  for (const auto& values : {BoundaryValues(), RandomValues()}) {
    for (uint64_t v : values) {
      const uint32_t size = VarintSize(v);
      ASSERT_EQ(size, CodedOutputStream::VarintSize64(v)) << v;
      ASSERT_EQ(OurVarint(v).size(), size) << v;
    }
  }
}

TEST(WireFormatTest, WriteVarintBytesMatchProtobuf) {
  for (const auto& values : {BoundaryValues(), RandomValues()}) {
    for (uint64_t v : values) ASSERT_EQ(OurVarint(v), ProtobufVarint(v)) << v;
  }
}

TEST(WireFormatTest, WriteVarintOfNegativeInt32IsTenBytes) {
  // proto int32 fields sign-extend negative values to 64 bits.
  const int32_t v = -1;
  const uint64_t extended = static_cast<uint64_t>(static_cast<int64_t>(v));
  EXPECT_EQ(OurVarint(extended).size(), 10u);
  uint8_t buf[16];
  uint8_t* end = CodedOutputStream::WriteVarint32SignExtendedToArray(v, buf);
  EXPECT_EQ(OurVarint(extended), std::string(reinterpret_cast<char*>(buf), end - buf));
}

TEST(WireFormatTest, ConsecutiveVarintsAreContiguous) {
  // Writers chain the returned pointer: values written back to back must decode in order.
  const std::vector<uint64_t> values = {0, 300, uint64_t{1} << 62, 5, ~uint64_t{0}, 127, 128};
  std::vector<uint8_t> buf(200, kGuard);
  uint8_t* p = buf.data();
  std::string expected;
  for (uint64_t v : values) {
    p = WriteVarint(v, p);
    expected += ProtobufVarint(v);
  }
  ASSERT_EQ(static_cast<size_t>(p - buf.data()), expected.size());
  EXPECT_EQ(std::string(reinterpret_cast<char*>(buf.data()), expected.size()), expected);
  for (size_t i = expected.size(); i < buf.size(); ++i) ASSERT_EQ(buf[i], kGuard) << i;
}

TEST(WireFormatTest, ZigZagMatchesProtobuf) {
  std::vector<int64_t> values = {0,
                                 1,
                                 -1,
                                 2,
                                 -2,
                                 63,
                                 -64,
                                 64,
                                 std::numeric_limits<int32_t>::max(),
                                 std::numeric_limits<int32_t>::min(),
                                 std::numeric_limits<int64_t>::max(),
                                 std::numeric_limits<int64_t>::min(),
                                 std::numeric_limits<int64_t>::min() + 1};
  for (uint64_t r : RandomValues()) values.push_back(static_cast<int64_t>(r));
  for (int64_t v : values) {
    ASSERT_EQ(ZigZag(v), WireFormatLite::ZigZagEncode64(v)) << v;
    ASSERT_EQ(WireFormatLite::ZigZagDecode64(ZigZag(v)), v) << v;
  }
  EXPECT_EQ(ZigZag(std::numeric_limits<int64_t>::min()), std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(ZigZag(std::numeric_limits<int64_t>::max()), std::numeric_limits<uint64_t>::max() - 1);
  EXPECT_EQ(ZigZag(-1), 1u);
  EXPECT_EQ(ZigZag(1), 2u);
}

TEST(WireFormatTest, ZigZagOfSignExtendedInt32EqualsSint32Encoding) {
  // sint32 fields are written with the 64-bit zigzag of the sign-extended value.
  for (int32_t v : {0, 1, -1, 1000, -1000, std::numeric_limits<int32_t>::max(),
                    std::numeric_limits<int32_t>::min()}) {
    EXPECT_EQ(ZigZag(static_cast<int64_t>(v)), WireFormatLite::ZigZagEncode32(v)) << v;
  }
}

TEST(WireFormatTest, WireTypeValuesMatchProtobuf) {
  EXPECT_EQ(static_cast<int>(WireType::kVarint), WireFormatLite::WIRETYPE_VARINT);
  EXPECT_EQ(static_cast<int>(WireType::kFixed64), WireFormatLite::WIRETYPE_FIXED64);
  EXPECT_EQ(static_cast<int>(WireType::kLengthDelimited),
            WireFormatLite::WIRETYPE_LENGTH_DELIMITED);
  EXPECT_EQ(static_cast<int>(WireType::kFixed32), WireFormatLite::WIRETYPE_FIXED32);
}

TEST(WireFormatTest, TagBytesMatchProtobuf) {
  const int32_t numbers[] = {1, 2, 15, 16, 2047, 2048, 18999, 20000, 262143, 262144, 536870911};
  const std::pair<WireType, WireFormatLite::WireType> types[] = {
      {WireType::kVarint, WireFormatLite::WIRETYPE_VARINT},
      {WireType::kFixed64, WireFormatLite::WIRETYPE_FIXED64},
      {WireType::kLengthDelimited, WireFormatLite::WIRETYPE_LENGTH_DELIMITED},
      {WireType::kFixed32, WireFormatLite::WIRETYPE_FIXED32},
  };
  for (int32_t number : numbers) {
    for (const auto& [ours, theirs] : types) {
      SCOPED_TRACE("field " + std::to_string(number) + " wire type " +
                   std::to_string(static_cast<int>(ours)));
      const uint32_t key = WireFormatLite::MakeTag(number, theirs);
      uint8_t expected[8];
      uint8_t* expected_end = CodedOutputStream::WriteVarint32ToArray(key, expected);
      const size_t expected_size = static_cast<size_t>(expected_end - expected);

      const Tag tag(number, ours);
      EXPECT_EQ(tag.size(), expected_size);
      EXPECT_EQ(tag.size(), CodedOutputStream::VarintSize32(key));
      uint8_t buf[16];
      std::memset(buf, kGuard, sizeof buf);
      uint8_t* end = tag.Write(buf);
      ASSERT_EQ(static_cast<size_t>(end - buf), expected_size);
      EXPECT_EQ(std::memcmp(buf, expected, expected_size), 0);
      for (size_t i = expected_size; i < sizeof buf; ++i) EXPECT_EQ(buf[i], kGuard) << i;
    }
  }
}

TEST(WireFormatTest, TagSizesByFieldNumber) {
  EXPECT_EQ(Tag(1, WireType::kVarint).size(), 1u);
  EXPECT_EQ(Tag(15, WireType::kLengthDelimited).size(), 1u);
  EXPECT_EQ(Tag(16, WireType::kVarint).size(), 2u);
  EXPECT_EQ(Tag(2047, WireType::kFixed32).size(), 2u);
  EXPECT_EQ(Tag(2048, WireType::kFixed32).size(), 3u);
  EXPECT_EQ(Tag(20000, WireType::kFixed64).size(), 3u);
  EXPECT_EQ(Tag(536870911, WireType::kLengthDelimited).size(), 5u);
  EXPECT_EQ(Tag().size(), 0u);
}

TEST(WireFormatTest, FixedWidthValuesAreLittleEndian) {
  for (uint32_t v : {0u, 1u, 0x01020304u, 0xFFFFFFFFu, 0x80000000u}) {
    uint8_t ours[8];
    std::memset(ours, kGuard, sizeof ours);
    uint8_t theirs[4];
    EXPECT_EQ(WriteFixed32(v, ours), ours + 4);
    CodedOutputStream::WriteLittleEndian32ToArray(v, theirs);
    EXPECT_EQ(std::memcmp(ours, theirs, 4), 0) << v;
    EXPECT_EQ(ours[4], kGuard);
  }
  for (uint64_t v : {uint64_t{0}, uint64_t{1}, uint64_t{0x0102030405060708},
                     std::numeric_limits<uint64_t>::max(), uint64_t{1} << 63}) {
    uint8_t ours[12];
    std::memset(ours, kGuard, sizeof ours);
    uint8_t theirs[8];
    EXPECT_EQ(WriteFixed64(v, ours), ours + 8);
    CodedOutputStream::WriteLittleEndian64ToArray(v, theirs);
    EXPECT_EQ(std::memcmp(ours, theirs, 8), 0) << v;
    EXPECT_EQ(ours[8], kGuard);
  }
}

TEST(WireFormatTest, CopySmallCopiesExactlyNBytes) {
  std::vector<uint8_t> src(64);
  for (size_t i = 0; i < src.size(); ++i) src[i] = static_cast<uint8_t>(i * 7 + 1);
  for (size_t n = 0; n <= 40; ++n) {
    for (size_t misalign = 0; misalign < 3; ++misalign) {
      std::vector<uint8_t> dst(96, kGuard);
      CopySmall(dst.data() + 8 + misalign, src.data() + misalign, n);
      for (size_t i = 0; i < dst.size(); ++i) {
        const bool inside = i >= 8 + misalign && i < 8 + misalign + n;
        if (inside) {
          ASSERT_EQ(dst[i], src[i - 8]) << "n=" << n << " i=" << i;
        } else {
          ASSERT_EQ(dst[i], kGuard) << "n=" << n << " wrote outside at " << i;
        }
      }
    }
  }
}

}  // namespace
}  // namespace arrow_zerobus::encode
