#include "deeprc/table/groupby/integer_group_ids.h"

#include <arrow/util/bit_run_reader.h>
#include <arrow/util/bit_util.h>

#include <algorithm>
#include <limits>
#include <type_traits>
#include <utility>

#include "deeprc/table/kernel/huge_pages.h"
#include "deeprc/table/kernel/min_max.h"
#include "deeprc/table/kernel/numeric_dispatch.h"
#include "deeprc/table/kernel/valid_runs.h"

namespace deeprc::table {
namespace {

// Direct indexing allocates one accumulator per code, used or not: worth it while the codes
// span at most a few times the rows (and a bounded amount of memory); beyond that, hash.
constexpr uint64_t kMaxDirectIds = uint64_t{1} << 24;
constexpr uint64_t kDirectIdsPerRow = 4;
constexpr uint64_t kDirectIdsAlways = 4096;

constexpr uint64_t kSignBit = uint64_t{1} << 63;

// An unsigned code of a key value that sorts as the value does: signed values get their sign
// bit flipped, so INT64_MIN becomes 0.
template <typename T>
uint64_t ToCode(T value) {
  if constexpr (std::is_signed_v<T>) {
    return static_cast<uint64_t>(static_cast<int64_t>(value)) ^ kSignBit;
  } else {
    return static_cast<uint64_t>(value);
  }
}

template <typename T>
T FromCode(uint64_t code) {
  if constexpr (std::is_signed_v<T>) {
    return static_cast<T>(static_cast<int64_t>(code ^ kSignBit));
  } else {
    return static_cast<T>(code);
  }
}

// How one key column contributes to a row's code: code = sum over keys of slot * stride, where
// slot is the value's code minus the column's minimum, or `width - 1` for a null (so nulls sort
// after every value), and strides make the first key the most significant.
struct KeyCoding {
  uint64_t min = 0;
  uint64_t width = 0;  // distinct slots: max - min + 1 values, plus one when there are nulls
  bool has_nulls = false;
  bool spans_all = false;  // the values span all 2^64 codes: `width` cannot count them
  uint64_t stride = 1;
};

template <typename T>
KeyCoding ScanKey(const arrow::ChunkedArray& column) {
  T lo = std::numeric_limits<T>::max();
  T hi = std::numeric_limits<T>::lowest();
  bool any_valid = false;
  for (const auto& chunk : column.chunks()) {
    const T* values = chunk->data()->GetValues<T>(1);
    VisitValidRuns(*chunk->data(), [&](int64_t begin, int64_t end) {
      any_valid = any_valid || begin < end;
      UpdateMinMax(values + begin, end - begin, &lo, &hi);
    });
  }
  KeyCoding coding;
  coding.has_nulls = column.null_count() > 0;
  if (any_valid) {
    coding.min = ToCode(lo);
    coding.spans_all = ToCode(hi) - coding.min == std::numeric_limits<uint64_t>::max();
    coding.width = ToCode(hi) - coding.min + 1;
  }
  if (coding.has_nulls) coding.width += 1;
  return coding;
}

// codes[row - begin] (+)= the column's contribution to the code of each row of [begin, end);
// `first` assigns instead of adding. With `used` (the last key of a direct index), also sets
// used[code] of each row's final code, which saves the direct index a pass of its own over the codes.
template <typename T, typename Code>
void AddCodes(const arrow::ChunkedArray& column, const KeyCoding& coding, bool first, int64_t begin,
              int64_t end, Code* codes, uint8_t* used) {
  const Code null_code = static_cast<Code>((coding.width - 1) * coding.stride);
  auto add = [&](const arrow::ArrayData& data, int64_t from, int64_t to, int64_t first_row) {
    const T* values = data.GetValues<T>(1);
    Code* out = codes + (first_row + from - begin);  // out[0] is position from's code
    const bool has_nulls = data.GetNullCount() > 0;
    const uint8_t* validity = has_nulls ? data.buffers[0]->data() : nullptr;
    for (int64_t i = from; i < to; ++i) {
      Code code = static_cast<Code>((ToCode(values[i]) - coding.min) * coding.stride);
      if (has_nulls && !arrow::bit_util::GetBit(validity, data.offset + i)) code = null_code;
      code = first ? code : out[i - from] + code;
      out[i - from] = code;
      if (used != nullptr) used[code] = 1;
    }
  };
  VisitChunkRanges(column, begin, end, add);
}

// Replaces each code by a dense id, in order of first appearance, with an open-addressing hash
// table (linear probing, power-of-two capacity). Gives the code of each id.
template <typename Code>
std::vector<uint64_t> HashCodes(const Code* codes, int64_t num_rows, uint32_t* ids) {
  struct Slot {
    uint64_t code;
    uint32_t id;
  };
  constexpr uint32_t kEmpty = std::numeric_limits<uint32_t>::max();
  std::vector<uint64_t> uniques;
  int shift = 64 - 10;
  std::vector<Slot> table(size_t{1} << (64 - shift), Slot{0, kEmpty});
  // Multiplicative hashing keeps the high bits, which depend on every bit below them; folding
  // the high half in first lets keys that differ only in their high bits spread too.
  auto slot_of = [&shift](uint64_t code) {
    return static_cast<size_t>(((code ^ (code >> 33)) * 0xff51afd7ed558ccdULL) >> shift);
  };
  auto grow = [&] {
    shift -= 1;
    std::vector<Slot> bigger(size_t{1} << (64 - shift), Slot{0, kEmpty});
    const size_t mask = bigger.size() - 1;
    for (const Slot& slot : table) {
      if (slot.id == kEmpty) continue;
      size_t s = slot_of(slot.code);
      while (bigger[s].id != kEmpty) s = (s + 1) & mask;
      bigger[s] = slot;
    }
    table = std::move(bigger);
  };
  for (int64_t row = 0; row < num_rows; ++row) {
    const uint64_t code = codes[row];
    const size_t mask = table.size() - 1;
    size_t s = slot_of(code);
    while (table[s].id != kEmpty && table[s].code != code) s = (s + 1) & mask;
    uint32_t id = table[s].id;
    if (id == kEmpty) {
      id = static_cast<uint32_t>(uniques.size());
      table[s] = Slot{code, id};
      uniques.push_back(code);
      // At most half full, so that probe sequences stay short.
      if (uniques.size() * 2 > table.size()) grow();
    }
    ids[row] = id;
  }
  return uniques;
}

template <typename T>
Result<std::shared_ptr<arrow::Array>> DecodeKeys(const std::shared_ptr<arrow::DataType>& type,
                                                 const KeyCoding& coding,
                                                 const std::vector<uint64_t>& codes) {
  const auto n = static_cast<int64_t>(codes.size());
  DEEPRC_ASSIGN_OR_RETURN(std::shared_ptr<arrow::Buffer> data, arrow::AllocateBuffer(n * sizeof(T)));
  std::shared_ptr<arrow::Buffer> validity;
  int64_t null_count = 0;
  if (coding.has_nulls) {
    DEEPRC_ASSIGN_OR_RETURN(validity, arrow::AllocateBitmap(n));
    std::fill_n(validity->mutable_data(), arrow::bit_util::BytesForBits(n), 0xFF);
  }
  T* values = data->mutable_data_as<T>();
  for (int64_t i = 0; i < n; ++i) {
    const uint64_t slot = (codes[i] / coding.stride) % coding.width;
    if (coding.has_nulls && slot == coding.width - 1) {
      values[i] = T{};
      arrow::bit_util::ClearBit(validity->mutable_data(), i);
      ++null_count;
    } else {
      values[i] = FromCode<T>(coding.min + slot);
    }
  }
  return arrow::MakeArray(arrow::ArrayData::Make(type, n, {validity, data}, null_count));
}

}  // namespace

bool IsIntegerKeyType(const arrow::DataType& type) {
  return VisitNumericCType(type, /*with_floats=*/false, []<typename T>() {});
}

Result<std::optional<IntegerGrouping>> GroupIntegerKeys(
    const std::vector<std::shared_ptr<arrow::ChunkedArray>>& keys, int64_t num_rows, const GroupIdSink& sink,
    bool keep_group_ids) {
  if (keys.empty() || num_rows >= std::numeric_limits<uint32_t>::max()) return std::nullopt;

  // The codes of all keys together take `num_codes` values; give up when that is over 2^64.
  std::vector<KeyCoding> codings(keys.size());
  unsigned __int128 num_codes = 1;
  for (size_t k = 0; k < keys.size(); ++k) {
    if (!VisitNumericCType(*keys[k]->type(), false,
                           [&]<typename T>() { codings[k] = ScanKey<T>(*keys[k]); })) {
      return std::nullopt;
    }
    if (codings[k].spans_all) return std::nullopt;
    num_codes *= codings[k].width;
    if (num_codes > std::numeric_limits<uint64_t>::max()) return std::nullopt;
  }
  for (size_t k = keys.size() - 1; k > 0; --k) codings[k - 1].stride = codings[k].stride * codings[k].width;

  IntegerGrouping grouping;
  // The codes of rows [begin, end) into codes[0, end - begin).
  auto add_codes = [&](int64_t begin, int64_t end, auto* codes, uint8_t* used) {
    for (size_t k = 0; k < keys.size(); ++k) {
      uint8_t* used_by_last = k + 1 == keys.size() ? used : nullptr;
      VisitNumericCType(*keys[k]->type(), false, [&]<typename T>() {
        AddCodes<T>(*keys[k], codings[k], k == 0, begin, end, codes, used_by_last);
      });
    }
  };
  auto all_group_ids = [&] {
    ReserveOnHugePages(&grouping.group_ids, static_cast<size_t>(num_rows));
    grouping.group_ids.resize(static_cast<size_t>(num_rows));
    return grouping.group_ids.data();
  };

  std::vector<uint64_t> output_codes;  // the code of each output row
  const auto rows = static_cast<uint64_t>(num_rows);
  if (num_codes <= kMaxDirectIds && num_codes <= std::max(kDirectIdsAlways, kDirectIdsPerRow * rows)) {
    // Direct indexing: the code is the id, and ascending ids are ascending keys. The ids are
    // computed and handed on a cache-sized block at a time, unless all are to be kept.
    grouping.num_ids = static_cast<uint32_t>(num_codes);
    DEEPRC_RETURN_NOT_OK(sink.start(grouping.num_ids));
    std::vector<uint8_t> used;
    ReserveOnHugePages(&used, grouping.num_ids);
    used.resize(grouping.num_ids, 0);
    // 2^17 rows: their ids (512 KiB) stay in L2 while the accumulators read them. Measured at 10M
    // rows, 1k groups: 4K-row blocks were 25 % slower (the key and value streams alternate too
    // often for the prefetchers), 4M-row blocks 40 % slower (the ids go to memory and back).
    constexpr int64_t kBlockRows = int64_t{1} << 17;
    std::vector<uint32_t> block;
    uint32_t* kept = keep_group_ids ? all_group_ids() : nullptr;
    if (!keep_group_ids) block.resize(static_cast<size_t>(std::min(num_rows, kBlockRows)));
    for (int64_t begin = 0; begin < num_rows; begin += kBlockRows) {
      const int64_t end = std::min(num_rows, begin + kBlockRows);
      uint32_t* ids = keep_group_ids ? kept + begin : block.data();
      add_codes(begin, end, ids, used.data());
      sink.consume(begin, end, ids);
    }
    for (uint32_t id = 0; id < grouping.num_ids; ++id) {
      if (used[id]) grouping.order.push_back(id);
    }
    output_codes.assign(grouping.order.begin(), grouping.order.end());
  } else {
    // Hashing needs every row's code first; the ids are kept (and handed on in one block).
    uint32_t* ids = all_group_ids();
    std::vector<uint64_t> uniques;
    if (num_codes <= uint64_t{1} << 32) {
      // 32-bit codes fit where the ids go: hash them in place.
      add_codes(0, num_rows, ids, nullptr);
      uniques = HashCodes(ids, num_rows, ids);
    } else {
      std::vector<uint64_t> codes;
      ReserveOnHugePages(&codes, static_cast<size_t>(num_rows));
      codes.resize(static_cast<size_t>(num_rows));
      add_codes(0, num_rows, codes.data(), nullptr);
      uniques = HashCodes(codes.data(), num_rows, ids);
    }
    grouping.num_ids = static_cast<uint32_t>(uniques.size());
    DEEPRC_RETURN_NOT_OK(sink.start(grouping.num_ids));
    sink.consume(0, num_rows, ids);
    // Sort the groups, not the rows: (code, id) pairs, by code.
    std::vector<std::pair<uint64_t, uint32_t>> sorted(uniques.size());
    for (uint32_t id = 0; id < grouping.num_ids; ++id) sorted[id] = {uniques[id], id};
    std::sort(sorted.begin(), sorted.end());
    grouping.order.reserve(sorted.size());
    output_codes.reserve(sorted.size());
    for (const auto& [code, id] : sorted) {
      grouping.order.push_back(id);
      output_codes.push_back(code);
    }
  }

  for (size_t k = 0; k < keys.size(); ++k) {
    std::shared_ptr<arrow::Array> decoded;
    Status status;
    VisitNumericCType(*keys[k]->type(), false, [&]<typename T>() {
      auto result = DecodeKeys<T>(keys[k]->type(), codings[k], output_codes);
      if (result.ok()) {
        decoded = *result;
      } else {
        status = result.status();
      }
    });
    DEEPRC_RETURN_NOT_OK(status);
    grouping.keys.push_back(std::move(decoded));
  }
  return grouping;
}

}  // namespace deeprc::table
