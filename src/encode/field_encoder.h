// The encoder tree: one MessageNode per message index space (the batch rows, the elements of a
// struct column, of a list of structs, of a map's entries) and one FieldEncoder per proto field.
//
// Encoding is columnar and runs in two passes over the tree:
//   Measure: for a block of rows at a time, every field adds its encoded size to the size of
//            each element of its message and reports row errors; nested nodes keep their
//            element sizes for the write pass.
//   Write:   for a block of rows at a time, every field writes its bytes at the cursor of each
//            element and advances it. An element whose cursor is null is not written (absent,
//            or its row failed), so nothing is ever written for failed rows.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <arrow/array/data.h>

#include "encode/row_error.h"
#include "encode/row_error_collector.h"
#include "encode/wire_format.h"

namespace arrow_zerobus::encode::internal {

class FieldEncoder;

/// The validity bitmap of an array; no bitmap (or no nulls) means every value is valid.
class Validity {
 public:
  explicit Validity(const arrow::ArrayData& data)
      : bits_(data.GetNullCount() == 0 || data.buffers[0] == nullptr ? nullptr
                                                                     : data.buffers[0]->data()),
        offset_(data.offset) {}
  bool MayHaveNulls() const { return bits_ != nullptr; }
  ARROW_ZEROBUS_ALWAYS_INLINE bool IsNull(int64_t j) const {
    return bits_ != nullptr && !((bits_[(offset_ + j) >> 3] >> ((offset_ + j) & 7)) & 1);
  }
  int64_t offset() const { return offset_; }

 private:
  const uint8_t* bits_;
  int64_t offset_;
};

/// The elements of one message index space and the fields encoded for each.
class MessageNode {
 public:
  /// The top-level node: one element per batch row.
  explicit MessageNode(int64_t length) : length_(length) {}
  /// A nested node. With `parent_offsets` (size parent length + 1), element j belongs to parent
  /// element i where parent_offsets[i] <= j < parent_offsets[i + 1]; without, j belongs to j.
  MessageNode(int64_t length, const MessageNode* parent, const int64_t* parent_offsets)
      : length_(length), parent_(parent), parent_offsets_(parent_offsets) {}

  int64_t length() const { return length_; }

  /// Measure pass: 1 where the element is encoded; nullptr means every element (top level).
  const uint8_t* present() const { return present_.empty() ? nullptr : present_.data(); }
  /// Where a parent field marks which elements of this nested node are encoded.
  uint8_t* mutable_present() { return present_.data(); }

  /// The batch row an element belongs to, for error reports.
  int64_t RowOf(int64_t element) const {
    if (parent_ == nullptr) return element;
    int64_t index = element;
    if (parent_offsets_ != nullptr) {
      const int64_t* end = parent_offsets_ + parent_->length() + 1;
      index = (std::upper_bound(parent_offsets_, end, element) - parent_offsets_) - 1;
    }
    return parent_->RowOf(index);
  }

  void AddField(std::unique_ptr<FieldEncoder> field);

  /// Sizes per-batch state. A nested node gets zeroed sizes, null cursors and "absent" marks.
  void Prepare(bool nested);
  /// Adds every field's bytes to sizes[i] for elements i in [begin, end).
  void Measure(int64_t begin, int64_t end, uint64_t* sizes, RowErrorCollector* errors);
  /// Writes every field of elements [begin, end) at cursors[i] (null: skip), advancing them.
  void Write(int64_t begin, int64_t end, uint8_t** cursors);

  /// Storage a parent field uses for this nested node's message sizes and cursors.
  std::vector<uint64_t>& sizes() { return sizes_; }
  std::vector<uint8_t*>& cursors() { return cursors_; }

 private:
  int64_t length_;
  const MessageNode* parent_ = nullptr;
  const int64_t* parent_offsets_ = nullptr;
  std::vector<uint8_t> present_;
  std::vector<std::unique_ptr<FieldEncoder>> fields_;
  std::vector<uint64_t> sizes_;
  std::vector<uint8_t*> cursors_;
};

class FieldEncoder {
 public:
  virtual ~FieldEncoder() = default;
  /// Sizes per-batch state for all elements of the owning message.
  virtual void Prepare(const MessageNode& owner) {}
  /// Adds this field's bytes to sizes[i] for each present element i in [begin, end).
  virtual void Measure(const MessageNode& owner, int64_t begin, int64_t end, uint64_t* sizes,
                       RowErrorCollector* errors) = 0;
  virtual void Write(int64_t begin, int64_t end, uint8_t** cursors) = 0;
};

inline void MessageNode::AddField(std::unique_ptr<FieldEncoder> field) {
  fields_.push_back(std::move(field));
}

inline void MessageNode::Prepare(bool nested) {
  if (nested) {
    sizes_.assign(length_, 0);
    cursors_.assign(length_, nullptr);
    present_.assign(length_, 0);
  }
  for (auto& field : fields_) field->Prepare(*this);
}

inline void MessageNode::Measure(int64_t begin, int64_t end, uint64_t* sizes,
                                 RowErrorCollector* errors) {
  for (auto& field : fields_) field->Measure(*this, begin, end, sizes, errors);
}

inline void MessageNode::Write(int64_t begin, int64_t end, uint8_t** cursors) {
  for (auto& field : fields_) field->Write(begin, end, cursors);
}

/// A copy on the stack for the write loops: bytes stored through uint8_t* may alias any object,
/// so members read through `this` would be reloaded after every store; a local copy whose
/// address never escapes stays in registers.
template <typename Codec>
Codec LocalCopy(const Codec& codec) {
  return codec;
}

/// What to do with a null value of a singular field.
enum class NullPolicy : uint8_t {
  kOmit,          ///< optional field: leave it out
  kErrorValue,    ///< required field: row error kNullValue
  kErrorElement,  ///< map key / value: row error kNullElement
};

// A Codec reads the value at one index of an Arrow array and writes it without a tag:
//   bool IsNull(int64_t j) const;  bool MayHaveNulls() const;
//   static constexpr WireType kWireType;
//   template <class Fail> uint64_t Size(int64_t j, Fail&& fail);  // fail(kind, describe)
//   uint8_t* Write(int64_t j, uint8_t* p);
//   static constexpr bool kNested;  // message codecs also have:
//   void PrepareNested();  uint8_t* nested_present();
//   void MeasureNested(int64_t begin, int64_t end, RowErrorCollector*);
//   void WriteNested(int64_t begin, int64_t end);

/// An optional or required field: at most one value per element of the owning message.
template <typename Codec>
class SingularField final : public FieldEncoder {
 public:
  SingularField(Codec codec, int32_t number, NullPolicy nulls, std::string path)
      : codec_(std::move(codec)),
        tag_(number, Codec::kWireType),
        nulls_(nulls),
        path_(std::move(path)) {}

  void Prepare(const MessageNode& owner) override {
    if constexpr (Codec::kNested) codec_.PrepareNested();
  }

  void Measure(const MessageNode& owner, int64_t begin, int64_t end, uint64_t* sizes,
               RowErrorCollector* errors) override {
    const uint8_t* present = owner.present();
    if constexpr (Codec::kNested) {
      uint8_t* nested_present = codec_.nested_present();
      for (int64_t i = begin; i < end; ++i) {
        nested_present[i] = (present == nullptr || present[i]) && !codec_.IsNull(i);
      }
      codec_.MeasureNested(begin, end, errors);
    }
    const uint32_t tag_size = tag_.size();
    if (present == nullptr && !codec_.MayHaveNulls()) {
      for (int64_t i = begin; i < end; ++i) {
        sizes[i] += tag_size + codec_.Size(i, Failure(owner, i, errors));
      }
      return;
    }
    for (int64_t i = begin; i < end; ++i) {
      if (present != nullptr && !present[i]) continue;
      if (codec_.IsNull(i)) {
        if (nulls_ != NullPolicy::kOmit) ReportNull(owner, i, errors);
        continue;
      }
      sizes[i] += tag_size + codec_.Size(i, Failure(owner, i, errors));
    }
  }

  void Write(int64_t begin, int64_t end, uint8_t** cursors) override {
    if constexpr (Codec::kNested) {
      WriteValues(codec_, begin, end, cursors);
      codec_.WriteNested(begin, end);
    } else {
      WriteValues(LocalCopy(codec_), begin, end, cursors);
    }
  }

 private:
  template <typename C>
  void WriteValues(C&& codec, int64_t begin, int64_t end, uint8_t** cursors) const {
    const Tag tag = tag_;
    for (int64_t i = begin; i < end; ++i) {
      uint8_t* p = cursors[i];
      if (p == nullptr || codec.IsNull(i)) continue;
      cursors[i] = codec.Write(i, tag.Write(p));
    }
  }

  auto Failure(const MessageNode& owner, int64_t i, RowErrorCollector* errors) {
    return [&owner, i, errors, this](RowErrorKind kind, auto&& describe) {
      errors->Add(owner.RowOf(i), path_, kind, describe);
    };
  }

  void ReportNull(const MessageNode& owner, int64_t i, RowErrorCollector* errors) {
    if (nulls_ == NullPolicy::kErrorValue) {
      errors->Add(owner.RowOf(i), path_, RowErrorKind::kNullValue, NullRequiredCause);
    } else {
      errors->Add(owner.RowOf(i), path_, RowErrorKind::kNullElement, NullMapEntryCause);
    }
  }

  Codec codec_;
  Tag tag_;
  NullPolicy nulls_;
  std::string path_;
};

/// Checks shared by repeated fields: a null list in a non-nullable column, null elements.
struct ListShape {
  const int64_t* offsets;  // owner length + 1, rebased so offsets[0] == 0
  Validity validity;       // of the lists themselves
  bool required;

  bool IsNull(int64_t i) const { return validity.IsNull(i); }
};

/// Whether row `i` of a list field is encoded: present in its message and not a null list (a null
/// list in a non-nullable column is reported).
inline bool ListRowEncoded(const ListShape& list, const MessageNode& owner, int64_t i,
                           const std::string& path, RowErrorCollector* errors) {
  const uint8_t* present = owner.present();
  if (present != nullptr && !present[i]) return false;
  if (!list.IsNull(i)) return true;
  if (list.required) {
    errors->Add(owner.RowOf(i), path, RowErrorKind::kNullValue, NullListCause);
  }
  return false;
}

/// The bytes of row `i`'s elements, each counted with `per_element` extra bytes (its tag when
/// unpacked); null elements and bad values are reported.
template <typename Codec>
uint64_t MeasureListElements(const Codec& codec, const ListShape& list, int64_t i,
                             uint32_t per_element, const MessageNode& owner,
                             const std::string& path, RowErrorCollector* errors) {
  const int64_t* off = list.offsets;
  uint64_t total = 0;
  for (int64_t j = off[i]; j < off[i + 1]; ++j) {
    if (codec.MayHaveNulls() && codec.IsNull(j)) {
      errors->Add(owner.RowOf(i), path, RowErrorKind::kNullElement,
                  [j, off, i] { return NullListElementCause(j - off[i]); });
      continue;
    }
    total += per_element + codec.Size(j, [&](RowErrorKind kind, auto&& describe) {
      errors->Add(owner.RowOf(i), path, kind, describe);
    });
  }
  return total;
}

/// A repeated field written one tag per element (strings, bytes, messages; or unpacked numbers).
template <typename Codec>
class RepeatedField final : public FieldEncoder {
 public:
  RepeatedField(Codec codec, ListShape list, int32_t number, std::string path)
      : codec_(std::move(codec)),
        list_(list),
        tag_(number, Codec::kWireType),
        path_(std::move(path)) {}

  void Prepare(const MessageNode& owner) override {
    if constexpr (Codec::kNested) codec_.PrepareNested();
  }

  void Measure(const MessageNode& owner, int64_t begin, int64_t end, uint64_t* sizes,
               RowErrorCollector* errors) override {
    const uint8_t* present = owner.present();
    const int64_t* off = list_.offsets;
    if constexpr (Codec::kNested) {
      uint8_t* nested_present = codec_.nested_present();
      for (int64_t i = begin; i < end; ++i) {
        const bool encoded = (present == nullptr || present[i]) && !list_.IsNull(i);
        for (int64_t j = off[i]; j < off[i + 1]; ++j) {
          nested_present[j] = encoded && !codec_.IsNull(j);
        }
      }
      codec_.MeasureNested(off[begin], off[end], errors);
    }
    for (int64_t i = begin; i < end; ++i) {
      if (!ListRowEncoded(list_, owner, i, path_, errors)) continue;
      sizes[i] += MeasureListElements(codec_, list_, i, tag_.size(), owner, path_, errors);
    }
  }

  void Write(int64_t begin, int64_t end, uint8_t** cursors) override {
    if constexpr (Codec::kNested) {
      WriteValues(codec_, begin, end, cursors);
      codec_.WriteNested(list_.offsets[begin], list_.offsets[end]);
    } else {
      WriteValues(LocalCopy(codec_), begin, end, cursors);
    }
  }

 private:
  template <typename C>
  void WriteValues(C&& codec, int64_t begin, int64_t end, uint8_t** cursors) const {
    const ListShape list = list_;
    const Tag tag = tag_;
    const int64_t* off = list.offsets;
    for (int64_t i = begin; i < end; ++i) {
      uint8_t* p = cursors[i];
      if (p == nullptr || list.IsNull(i)) continue;
      for (int64_t j = off[i]; j < off[i + 1]; ++j) {
        if (codec.MayHaveNulls() && codec.IsNull(j)) continue;  // row already failed
        p = codec.Write(j, tag.Write(p));
      }
      cursors[i] = p;
    }
  }

  Codec codec_;
  ListShape list_;
  Tag tag_;
  std::string path_;
};

/// A repeated number field written packed: one tag, the payload length, then the values.
template <typename Codec>
class PackedRepeatedField final : public FieldEncoder {
 public:
  PackedRepeatedField(Codec codec, ListShape list, int32_t number, std::string path)
      : codec_(std::move(codec)),
        list_(list),
        tag_(number, WireType::kLengthDelimited),
        path_(std::move(path)) {}

  void Prepare(const MessageNode& owner) override { payload_.assign(owner.length(), 0); }

  void Measure(const MessageNode& owner, int64_t begin, int64_t end, uint64_t* sizes,
               RowErrorCollector* errors) override {
    const int64_t* off = list_.offsets;
    for (int64_t i = begin; i < end; ++i) {
      if (!ListRowEncoded(list_, owner, i, path_, errors)) continue;
      if (off[i] == off[i + 1]) continue;  // an empty packed field is left out
      const uint64_t payload = MeasureListElements(codec_, list_, i, 0, owner, path_, errors);
      payload_[i] = payload;
      sizes[i] += tag_.size() + VarintSize(payload) + payload;
    }
  }

  void Write(int64_t begin, int64_t end, uint8_t** cursors) override {
    const Codec codec = LocalCopy(codec_);
    const ListShape list = list_;
    const Tag tag = tag_;
    const int64_t* off = list.offsets;
    const uint64_t* payload = payload_.data();
    for (int64_t i = begin; i < end; ++i) {
      uint8_t* p = cursors[i];
      if (p == nullptr || list.IsNull(i) || off[i] == off[i + 1]) continue;
      p = WriteVarint(payload[i], tag.Write(p));
      for (int64_t j = off[i]; j < off[i + 1]; ++j) {
        if (codec.MayHaveNulls() && codec.IsNull(j)) continue;  // row already failed
        p = codec.Write(j, p);
      }
      cursors[i] = p;
    }
  }

 private:
  Codec codec_;
  ListShape list_;
  Tag tag_;
  std::string path_;
  std::vector<uint64_t> payload_;
};

}  // namespace arrow_zerobus::encode::internal
