#include "deeprc/table/io/csv_fast_reader.h"

#include <arrow/api.h>
#include <arrow/csv/api.h>
#include <arrow/io/api.h>
#include <arrow/util/bit_util.h>
#include <arrow/util/utf8.h>
#include <arrow/util/value_parsing.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "deeprc/table/io/input_file.h"

namespace deeprc::table {
namespace {

// Bytes read from the file at a time (256 KiB and 8 MiB took the same time on bench/table's file).
constexpr int64_t kReadBytes = 1 << 20;
// Readable bytes past a window's end: the 16-byte loads of FindFieldEnd may cross it.
constexpr int64_t kPadding = 64;
// A line longer than this is left to Arrow's reader.
constexpr int64_t kMaxLineBytes = int64_t{1} << 30;
// Record batches are bounded in rows and in the input bytes they come from, so memory stays
// bounded and a batch's strings stay far below utf8's 2 GiB offsets.
constexpr int64_t kMaxBatchRows = 1 << 20;
constexpr int64_t kMaxBatchInputBytes = int64_t{256} << 20;
// With use_threads, ranges read in parallel are at least this long (a thread costs ~0.1 ms).
constexpr int64_t kMinRangeBytes = int64_t{16} << 20;

// Powers of ten exactly representable as doubles.
constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                             1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

// The same as integers, up to 10^19 < 2^64.
constexpr uint64_t kPow10Int[] = {
    1ull,           10ull,           100ull,           1000ull,           10000ull,
    100000ull,      1000000ull,      10000000ull,      100000000ull,      1000000000ull,
    10000000000ull, 100000000000ull, 1000000000000ull, 10000000000000ull, 100000000000000ull,
    1000000000000000ull, 10000000000000000ull, 100000000000000000ull, 1000000000000000000ull,
    10000000000000000000ull};

// The double nearest m / 10^f (ties to even) for 2^53 < m < 10^19 and f <= 19: the 17-digit
// values a shortest round trip writes, which m / 10^f in doubles may miss by an ulp. Starts from
// that quotient and moves to the neighbour while m / 10^f lies beyond a halfway point, comparing
// exactly in 128-bit integers: x = m / 10^f against (2M +- 1) 2^(E-1) for v = M 2^E. False where
// the comparison would not fit (the caller then uses Arrow's parser).
bool NearestDouble(uint64_t m, size_t f, double* out) {
  using u128 = unsigned __int128;
  const double start = static_cast<double>(m) / kPow10[f];
  uint64_t bits;  // of a positive double: +-1 is the next double up or down
  std::memcpy(&bits, &start, sizeof bits);
  for (int step = 0; step < 4; ++step) {
    const uint64_t mantissa = (bits & ((uint64_t{1} << 52) - 1)) | (uint64_t{1} << 52);
    const int exponent = static_cast<int>(bits >> 52) - 1075;  // v = mantissa 2^exponent
    // At a power of two the lower neighbour is half as far: leave it to Arrow.
    if (mantissa == (uint64_t{1} << 52)) return false;
    const int shift = 1 - exponent;
    if (shift > 64 || shift < -60) return false;
    // x 2^(1-E) 10^f = m 2^(1-E) against (2M +- 1) 10^f, both scaled to integers.
    u128 x = m, upper = static_cast<u128>(2 * mantissa + 1) * kPow10Int[f];
    u128 lower = static_cast<u128>(2 * mantissa - 1) * kPow10Int[f];
    if (shift >= 0) {
      x <<= shift;
    } else {
      upper <<= -shift;
      lower <<= -shift;
    }
    const bool odd = mantissa & 1;
    if (x > upper || (x == upper && odd)) {
      ++bits;
    } else if (x < lower || (x == lower && odd)) {
      --bits;
    } else {
      std::memcpy(out, &bits, sizeof bits);
      return true;
    }
  }
  return false;
}

inline bool IsDigit(char c) { return static_cast<unsigned char>(c - '0') < 10; }

// Appends the decimal digits from p on to *value (it wraps past 19 digits: callers count them)
// and returns the first byte that is not a digit.
inline const char* AccumulateDigits(const char* p, uint64_t* value) {
  uint64_t v = *value;
  while (IsDigit(*p)) v = v * 10 + static_cast<uint64_t>(*p++ - '0');
  *value = v;
  return p;
}

// The options whose every value this reader handles as Arrow does; empty when all are.
std::string UnsupportedOption(const arrow::csv::ReadOptions& read, const arrow::csv::ParseOptions& parse,
                              const arrow::csv::ConvertOptions& convert) {
  const char d = parse.delimiter;
  if (d == '"' || d == '\n' || d == '\r' || IsDigit(d) || d == '-' || d == '+' || d == '.' || d == 'e' ||
      d == 'E' || static_cast<unsigned char>(d) >= 0x80) {
    return "delimiter '" + std::string(1, d) + "'";
  }
  if (!parse.quoting || parse.quote_char != '"' || !parse.double_quote || parse.escaping) {
    return "quoting other than RFC 4180's";
  }
  if (parse.newlines_in_values) return "newlines_in_values";
  if (!parse.ignore_empty_lines) return "ignore_empty_lines=false";
  if (parse.invalid_row_handler) return "an invalid row handler";
  if (read.skip_rows != 0 || read.skip_rows_after_names != 0) return "skipped rows";
  if (!convert.include_columns.empty()) return "include_columns";
  if (convert.auto_dict_encode) return "auto_dict_encode";
  if (convert.decimal_point != '.') return "decimal_point other than '.'";
  if (!convert.quoted_strings_can_be_null) return "quoted_strings_can_be_null=false";
  if (!convert.check_utf8) return "check_utf8=false";
  if (!convert.timestamp_parsers.empty()) return "timestamp_parsers";
  return "";
}

// The schema Arrow's reader gives the file: an arrow::csv::StreamingReader infers the types from
// its first block as arrow::csv::TableReader does (which widens a column when a later block does
// not fit; a later block that does not fit makes this reader decline).
Result<std::shared_ptr<arrow::Schema>> ArrowSchema(const std::string& path, arrow::csv::ReadOptions read,
                                                   const arrow::csv::ParseOptions& parse,
                                                   const arrow::csv::ConvertOptions& convert) {
  read.use_threads = false;
  DEEPRC_ASSIGN_OR_RETURN(auto input, OpenInputFile(path));
  DEEPRC_ASSIGN_OR_RETURN(auto reader, arrow::csv::StreamingReader::Make(arrow::io::default_io_context(),
                                                                         input, read, parse, convert));
  return reader->schema();
}

// Arrow's null markers (ConvertOptions::null_values), looked up by length first: most fields have
// a length no marker has.
class NullMarkers {
 public:
  explicit NullMarkers(std::vector<std::string> markers) : markers_(std::move(markers)) {
    for (const auto& marker : markers_) {
      if (marker.size() < 64) {
        lengths_ |= uint64_t{1} << marker.size();
      } else {
        has_long_ = true;
      }
    }
  }

  bool Contains(const char* data, size_t size) const {
    if (size < 64 ? ((lengths_ >> size) & 1) == 0 : !has_long_) return false;
    for (const auto& marker : markers_) {
      if (marker.size() == size && (size == 0 || (marker[0] == data[0] && std::memcmp(marker.data(), data, size) == 0))) {
        return true;
      }
    }
    return false;
  }
  bool Contains(std::string_view value) const { return Contains(value.data(), value.size()); }
  const std::vector<std::string>& markers() const { return markers_; }

 private:
  std::vector<std::string> markers_;
  uint64_t lengths_ = 0;
  bool has_long_ = false;
};

// Bytes [begin, end) of the file as a run of windows, each a whole number of lines ending in '\n'
// (one is added after the last line if the range lacks it), read kReadBytes at a time into one
// reused buffer.
class LineWindows {
 public:
  LineWindows(std::shared_ptr<arrow::io::ReadableFile> file, int64_t begin, int64_t end)
      : file_(std::move(file)), position_(begin), end_offset_(end), offset_(begin) {
    buffer_.resize(capacity_ + kPadding);
  }

  // Moves to the next window, keeping the bytes from `from` (the start of an unfinished line)
  // on; false at the end of the range.
  Result<bool> Next(const char* from) {
    char* data = buffer_.data();
    const int64_t keep = data + size_ - from;
    offset_ += from - data;
    std::memmove(data, from, keep);
    size_ = keep;
    for (;;) {
      while (position_ < end_offset_ && size_ < capacity_) {
        const int64_t want = std::min(capacity_ - size_, end_offset_ - position_);
        DEEPRC_ASSIGN_OR_RETURN(int64_t n, file_->ReadAt(position_, want, data + size_));
        if (n == 0) return Status::IOError("the file ended at byte ", position_, " of ", end_offset_);
        position_ += n;
        size_ += n;
      }
      const bool last = position_ == end_offset_;
      if (last && size_ > 0 && data[size_ - 1] != '\n') data[size_++] = '\n';  // into the padding
      if (size_ == 0) return false;
      if (const void* newline = memrchr(data, '\n', size_)) {
        end_ = static_cast<const char*>(newline) + 1;
        return true;
      }
      if (capacity_ >= kMaxLineBytes) return Status::CapacityError("a line longer than ", kMaxLineBytes, " bytes");
      capacity_ *= 2;
      buffer_.resize(capacity_ + kPadding);
      data = buffer_.data();
    }
  }

  const char* begin() const { return buffer_.data(); }
  const char* end() const { return end_; }
  int64_t FileOffset(const char* p) const { return offset_ + (p - buffer_.data()); }
  int64_t end_offset() const { return end_offset_; }

 private:
  std::shared_ptr<arrow::io::ReadableFile> file_;
  int64_t position_;    // next byte to read
  int64_t end_offset_;  // end of the range
  int64_t capacity_ = kReadBytes;
  std::vector<char> buffer_;
  int64_t size_ = 0;    // bytes in buffer_
  int64_t offset_;      // file offset of buffer_[0]
  const char* end_ = nullptr;
};

enum class ColumnKind : uint8_t { kInt64, kFloat64, kUtf8, kTimestamp, kDate32, kBool };

// Bytes of values for `rows` rows (utf8's values are its int32 offsets, sized apart; booleans are
// bits).
int64_t ValueBytes(ColumnKind kind, int64_t rows) {
  switch (kind) {
    case ColumnKind::kBool: return arrow::bit_util::BytesForBits(rows);
    case ColumnKind::kDate32: return rows * 4;
    default: return rows * 8;
  }
}

// One column of the batch being built, written in place: values (int64, double, timestamp, date32, bits) or utf8
// offsets and characters, and the rows that are null (the validity bitmap is made at the end, so
// a non-null value costs no bitmap write).
struct ColumnBuffers {
  ColumnKind kind;
  std::shared_ptr<arrow::DataType> type;
  // A null marker that reads as a number of this type (a user's "-1"), so numbers must be
  // looked up in the markers too.
  bool markers_look_like_numbers = false;
  // Timestamps: the unit to parse to, and whether values must carry a zone offset (the type has a
  // time zone) or must not.
  arrow::TimeUnit::type unit = arrow::TimeUnit::SECOND;
  bool expects_zone_offset = false;
  // From Arrow's pool. Huge pages (large_buffer.h) made the best run faster (1.13 s instead of
  // 1.43 s on bench/table's file) but others slower, up to 3.5 s: the kernel's time to find and
  // clear 2 MiB pages on this shared machine varies too much.
  std::shared_ptr<arrow::ResizableBuffer> values;  // int64, double, timestamp, date32, bits, or int32 offsets
  std::shared_ptr<arrow::ResizableBuffer> chars;
  int64_t chars_size = 0;
  int64_t chars_capacity = 0;
  double chars_per_row = 16;  // from the last batch, to size the next one
  std::vector<int32_t> null_rows;

  int64_t* int64s() { return reinterpret_cast<int64_t*>(values->mutable_data()); }
  double* doubles() { return reinterpret_cast<double*>(values->mutable_data()); }
  int32_t* date32s() { return reinterpret_cast<int32_t*>(values->mutable_data()); }
  int32_t* offsets() { return reinterpret_cast<int32_t*>(values->mutable_data()); }
};

// Whether a null marker could be taken for a number by the inline parsers of BatchParser
// ([-]digits[.digits]), which then must look numbers up in the markers too.
bool LooksLikeInlineNumber(std::string_view marker, ColumnKind kind) {
  if (kind != ColumnKind::kInt64 && kind != ColumnKind::kFloat64) return false;
  if (!marker.empty() && marker.front() == '-') marker.remove_prefix(1);
  bool digit = false;
  for (char c : marker) {
    if (IsDigit(c)) {
      digit = true;
    } else if (c != '.') {
      return false;
    }
  }
  return digit;
}

// Spaces and tabs around a number, which Arrow's converter ignores.
std::string_view TrimWhitespace(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Parses the rows of the windows into record batches. Every field parser returns the position of
// the byte that ends the field (the delimiter, '\n' or '\r'), or null after setting `declined_`.
class BatchParser {
 public:
  BatchParser(std::shared_ptr<arrow::Schema> schema, std::vector<ColumnKind> kinds, char delimiter,
              const arrow::csv::ConvertOptions& convert)
      : schema_(std::move(schema)),
        delimiter_(delimiter),
        nulls_(convert.null_values),
        true_values_(convert.true_values),
        false_values_(convert.false_values),
        strings_can_be_null_(convert.strings_can_be_null) {
    for (size_t i = 0; i < kinds.size(); ++i) {
      ColumnBuffers column;
      column.kind = kinds[i];
      column.type = schema_->field(static_cast<int>(i))->type();
      for (const auto& marker : nulls_.markers()) {
        column.markers_look_like_numbers |= LooksLikeInlineNumber(marker, column.kind);
      }
      if (column.kind == ColumnKind::kTimestamp) {
        const auto& timestamp = static_cast<const arrow::TimestampType&>(*column.type);
        column.unit = timestamp.unit();
        column.expects_zone_offset = !timestamp.timezone().empty();
      }
      columns_.push_back(std::move(column));
    }
    field_end_[static_cast<unsigned char>(delimiter)] = true;
    field_end_['\n'] = field_end_['\r'] = true;
  }

  const std::string& declined() const { return declined_; }
  int64_t rows() const { return rows_; }
  int64_t capacity() const { return capacity_; }

  Status StartBatch(int64_t capacity) {
    capacity_ = capacity;
    rows_ = 0;
    for (auto& column : columns_) {
      column.null_rows.clear();
      if (column.kind == ColumnKind::kUtf8) {
        DEEPRC_ASSIGN_OR_RETURN(column.values, arrow::AllocateResizableBuffer((capacity + 1) * sizeof(int32_t)));
        column.offsets()[0] = 0;
        column.chars_size = 0;
        column.chars_capacity = static_cast<int64_t>(capacity * column.chars_per_row * 1.1) + 64;
        DEEPRC_ASSIGN_OR_RETURN(column.chars, arrow::AllocateResizableBuffer(column.chars_capacity + kPadding));
      } else {
        DEEPRC_ASSIGN_OR_RETURN(column.values, arrow::AllocateResizableBuffer(ValueBytes(column.kind, capacity)));
        // Booleans only set the bits of true values.
        if (column.kind == ColumnKind::kBool) std::memset(column.values->mutable_data(), 0, column.values->size());
      }
    }
    return Status::OK();
  }

  Result<std::shared_ptr<arrow::RecordBatch>> FinishBatch() {
    std::vector<std::shared_ptr<arrow::ArrayData>> arrays;
    for (auto& column : columns_) {
      std::shared_ptr<arrow::Buffer> validity;
      const int64_t null_count = static_cast<int64_t>(column.null_rows.size());
      if (null_count > 0) {
        DEEPRC_ASSIGN_OR_RETURN(auto bitmap, arrow::AllocateBitmap(rows_));
        std::memset(bitmap->mutable_data(), 0xff, bitmap->size());
        for (int32_t row : column.null_rows) arrow::bit_util::ClearBit(bitmap->mutable_data(), row);
        validity = std::move(bitmap);
      }
      if (column.kind == ColumnKind::kUtf8) {
        DEEPRC_RETURN_NOT_OK(column.values->Resize((rows_ + 1) * sizeof(int32_t)));
        DEEPRC_RETURN_NOT_OK(column.chars->Resize(column.chars_size));
        if (rows_ > 0) column.chars_per_row = static_cast<double>(column.chars_size) / rows_;
        arrays.push_back(arrow::ArrayData::Make(column.type, rows_, {validity, column.values, column.chars},
                                                null_count));
      } else {
        DEEPRC_RETURN_NOT_OK(column.values->Resize(ValueBytes(column.kind, rows_)));
        arrays.push_back(arrow::ArrayData::Make(column.type, rows_, {validity, column.values}, null_count));
      }
      column.values.reset();
      column.chars.reset();
    }
    return arrow::RecordBatch::Make(schema_, rows_, std::move(arrays));
  }

  // Parses the lines of [p, end) into the batch until it is full; returns where it stopped, or
  // null when declined.
  const char* ParseLines(const char* p, const char* end) {
    while (p < end && rows_ < capacity_) {
      if (*p == '\n') {  // Arrow skips empty lines
        ++p;
        continue;
      }
      if (*p == '\r') {
        if (p[1] != '\n') return Decline("a line ending in a lone CR");
        p += 2;
        continue;
      }
      p = ParseRow(p);
      if (p == nullptr) return nullptr;
      ++rows_;
      ++rows_total_;
    }
    return p;
  }

  // Skips the header line (Arrow took the names from it); null when declined.
  const char* SkipHeader(const char* p) {
    if (static_cast<unsigned char>(p[0]) == 0xef && static_cast<unsigned char>(p[1]) == 0xbb &&
        static_cast<unsigned char>(p[2]) == 0xbf) {
      return Decline("a byte order mark");
    }
    if (*p == '\n' || *p == '\r') return Decline("an empty first line");
    size_t fields = 0;
    for (;;) {
      ++fields;
      if (*p == '"') {
        p = ReadQuoted(p);
        if (p == nullptr) return nullptr;
      }
      while (!field_end_[static_cast<unsigned char>(*p)]) ++p;
      if (*p != delimiter_) break;
      ++p;
    }
    if (fields != columns_.size()) return Decline("a header whose fields Arrow counts differently");
    return EndOfLine(p);
  }

 private:
  const char* Decline(std::string why) {
    if (declined_.empty()) declined_ = "data row " + std::to_string(rows_total_ + 1) + ": " + std::move(why);
    return nullptr;
  }

  bool IsFieldEnd(char c) const { return field_end_[static_cast<unsigned char>(c)]; }

  // After the last field: "\n" or "\r\n".
  const char* EndOfLine(const char* p) {
    if (*p == '\n') return p + 1;
    if (*p == '\r' && p[1] == '\n') return p + 2;
    if (*p == '\r') return Decline("a line ending in a lone CR");
    return Decline("more fields than columns");
  }

  const char* ParseRow(const char* p) {
    const size_t last = columns_.size() - 1;
    for (size_t c = 0;; ++c) {
      ColumnBuffers& column = columns_[c];
      switch (column.kind) {
        case ColumnKind::kInt64: p = ParseInt64(p, column); break;
        case ColumnKind::kFloat64: p = ParseFloat64(p, column); break;
        case ColumnKind::kUtf8: p = ParseUtf8(p, column); break;
        // No inline paths: Arrow's date and time parsers read fixed positions already, and a
        // boolean is a word lookup.
        case ColumnKind::kTimestamp:
        case ColumnKind::kDate32:
        case ColumnKind::kBool: p = ParseOther(p, column); break;
      }
      if (p == nullptr) return nullptr;
      if (c == last) return EndOfLine(p);
      if (*p != delimiter_) return Decline("fewer fields than columns");
      ++p;
    }
  }

  // The common case inline: an optional '-' and 1 to 18 digits (below 2^63 whatever the digits).
  const char* ParseInt64(const char* p, ColumnBuffers& column) {
    const char* field = p;
    const bool negative = *p == '-';
    p += negative;
    const char* digits = p;
    uint64_t value = 0;
    p = AccumulateDigits(p, &value);
    const size_t n = p - digits;
    if (ARROW_PREDICT_TRUE(n - 1 < 18 && IsFieldEnd(*p) && !column.markers_look_like_numbers)) {
      const auto v = static_cast<int64_t>(value);
      column.int64s()[rows_] = negative ? -v : v;
      return p;
    }
    return ParseOther(field, column);
  }

  // The common case inline: [-]digits[.digits] with at most 19 digits, m those digits as an
  // integer and f the number of fraction digits. For m <= 2^53, m / 10^f in doubles: both are
  // exact doubles and IEEE division rounds correctly, so this is the correctly rounded value that
  // Arrow's fast_float also gives (Clinger's fast path); above 2^53, NearestDouble. Anything else
  // (exponents, more digits, "inf") goes through Arrow's own parser.
  const char* ParseFloat64(const char* p, ColumnBuffers& column) {
    const char* field = p;
    const bool negative = *p == '-';
    p += negative;
    const char* digits = p;
    uint64_t mantissa = 0;
    p = AccumulateDigits(p, &mantissa);
    size_t n = p - digits;
    size_t fraction = 0;
    if (*p == '.') {
      const char* fraction_digits = ++p;
      p = AccumulateDigits(p, &mantissa);
      fraction = p - fraction_digits;
      n += fraction;
    }
    if (ARROW_PREDICT_TRUE(n - 1 < 19 && IsFieldEnd(*p) && !column.markers_look_like_numbers)) {
      double v;
      if (mantissa <= (uint64_t{1} << 53)) {
        v = static_cast<double>(mantissa) / kPow10[fraction];
      } else if (!NearestDouble(mantissa, fraction, &v)) {
        return ParseOther(field, column);
      }
      column.doubles()[rows_] = negative ? -v : v;
      return p;
    }
    return ParseOther(field, column);
  }

  const char* ParseUtf8(const char* p, ColumnBuffers& column) {
    if (*p == '"') return ParseOther(p, column);
    uint32_t high_bits = 0;
    const char* end = FindFieldEnd(p, &high_bits);
    if (ARROW_PREDICT_FALSE(*end == '"')) return Decline("a quote inside an unquoted field");
    const size_t size = end - p;
    if (ARROW_PREDICT_FALSE(high_bits != 0) && !arrow::util::ValidateUTF8(reinterpret_cast<const uint8_t*>(p), size)) {
      return Decline("invalid UTF-8");
    }
    if (strings_can_be_null_ && nulls_.Contains(p, size)) {
      AppendNullString(column);
    } else if (!AppendString(column, p, size)) {
      return nullptr;
    }
    return end;
  }

  // The first byte from p on that ends an unquoted field or needs a closer look: the delimiter,
  // '"', '\r' or '\n'. ORs the bytes before it into *high_bits (non-zero: not ASCII).
  const char* FindFieldEnd(const char* p, uint32_t* high_bits) const {
#ifdef __SSE2__
    const __m128i delimiter = _mm_set1_epi8(delimiter_), quote = _mm_set1_epi8('"');
    const __m128i lf = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r');
    for (;;) {
      const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
      const __m128i hits = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(bytes, delimiter), _mm_cmpeq_epi8(bytes, quote)),
                                        _mm_or_si128(_mm_cmpeq_epi8(bytes, lf), _mm_cmpeq_epi8(bytes, cr)));
      const uint32_t mask = static_cast<uint32_t>(_mm_movemask_epi8(hits));
      const uint32_t high = static_cast<uint32_t>(_mm_movemask_epi8(bytes));
      if (mask != 0) {
        const int i = __builtin_ctz(mask);
        *high_bits |= high & ((1u << i) - 1);
        return p + i;
      }
      *high_bits |= high;
      p += 16;
    }
#else
    while (!IsFieldEnd(*p) && *p != '"') *high_bits |= static_cast<unsigned char>(*p++) & 0x80;
    return p;
#endif
  }

  void AppendNullString(ColumnBuffers& column) {
    column.null_rows.push_back(static_cast<int32_t>(rows_));
    column.offsets()[rows_ + 1] = static_cast<int32_t>(column.chars_size);
  }

  bool AppendString(ColumnBuffers& column, const char* data, size_t size) {
    if (ARROW_PREDICT_FALSE(column.chars_size + static_cast<int64_t>(size) > column.chars_capacity)) {
      if (!GrowChars(column, size)) return false;
    }
    std::memcpy(column.chars->mutable_data() + column.chars_size, data, size);
    column.chars_size += static_cast<int64_t>(size);
    column.offsets()[rows_ + 1] = static_cast<int32_t>(column.chars_size);
    return true;
  }

  bool GrowChars(ColumnBuffers& column, size_t size) {
    const int64_t needed = column.chars_size + static_cast<int64_t>(size);
    if (needed > std::numeric_limits<int32_t>::max()) {
      Decline("a batch's strings over 2 GiB");
      return false;
    }
    column.chars_capacity = std::max(needed, column.chars_capacity * 2);
    if (!column.chars->Resize(column.chars_capacity + kPadding, /*shrink_to_fit=*/false).ok()) {
      Decline("out of memory");
      return false;
    }
    return true;
  }

  // A quoted field ("" is a quote): unquotes it into scratch_ and returns the position after the
  // closing quote, or null for a newline inside quotes (Arrow's reader, with newlines_in_values
  // false, reads those differently by where its blocks split; so it gets the file).
  const char* ReadQuoted(const char* p) {
    scratch_.clear();
    for (++p;; ++p) {
      if (*p == '"') {
        if (p[1] != '"') return p + 1;
        ++p;
      } else if (*p == '\n' || *p == '\r') {
        return Decline("a newline inside quotes");
      }
      scratch_.push_back(*p);
    }
  }

  // Any field the inline paths do not take (quoted, null, with spaces, in another number format,
  // or one Arrow does not read at all), and every timestamp, date and boolean. Converted as Arrow's
  // converter does: null markers first, then Arrow's own parsers.
  const char* ParseOther(const char* p, ColumnBuffers& column) {
    const char* end;
    std::string_view value;
    if (*p == '"') {
      end = ReadQuoted(p);
      if (end == nullptr) return nullptr;
      if (!IsFieldEnd(*end)) return Decline("characters after a closing quote");
      value = scratch_;
    } else {
      end = p;
      while (!IsFieldEnd(*end) && *end != '"') ++end;
      if (*end == '"') return Decline("a quote inside an unquoted field");
      value = std::string_view(p, end - p);
    }
    if (column.kind == ColumnKind::kUtf8) {
      if (strings_can_be_null_ && nulls_.Contains(value)) {
        AppendNullString(column);
        return end;
      }
      if (!arrow::util::ValidateUTF8(value)) return Decline("invalid UTF-8");
      return AppendString(column, value.data(), value.size()) ? end : nullptr;
    }
    if (nulls_.Contains(value)) {
      column.null_rows.push_back(static_cast<int32_t>(rows_));
      if (column.kind != ColumnKind::kBool) {  // a null boolean's bit is already clear
        const int64_t width = ValueBytes(column.kind, 1);
        std::memset(column.values->mutable_data() + rows_ * width, 0, width);
      }
      return end;
    }
    if (column.kind == ColumnKind::kTimestamp) return ConvertTimestamp(value, column) ? end : nullptr;
    if (column.kind == ColumnKind::kBool) return ConvertBool(value, column) ? end : nullptr;
    // Numbers and dates as Arrow's converter reads them: whitespace trimmed, then Arrow's parser.
    const std::string_view trimmed = TrimWhitespace(value);
    bool ok = false;
    switch (column.kind) {
      case ColumnKind::kInt64:
        ok = arrow::internal::ParseValue<arrow::Int64Type>(trimmed.data(), trimmed.size(), &column.int64s()[rows_]);
        break;
      case ColumnKind::kFloat64:
        ok = arrow::internal::ParseValue<arrow::DoubleType>(trimmed.data(), trimmed.size(), &column.doubles()[rows_]);
        break;
      case ColumnKind::kDate32:
        ok = arrow::internal::ParseValue<arrow::Date32Type>(trimmed.data(), trimmed.size(), &column.date32s()[rows_]);
        break;
      default:
        break;
    }
    if (!ok) return Decline("'" + std::string(value) + "' is not a " + column.type->ToString());
    return end;
  }

  // As Arrow's converter does by default: its ISO 8601 parser on the field as it is (no whitespace
  // trimmed), and a zone offset present exactly when the type has a time zone. Anything else
  // declines, so Arrow's reader gives the table or its own error.
  bool ConvertTimestamp(std::string_view value, ColumnBuffers& column) {
    bool zone_offset = false;
    if (!arrow::internal::ParseTimestampISO8601(value.data(), value.size(), column.unit, &column.int64s()[rows_],
                                                 &zone_offset)) {
      Decline("'" + std::string(value) + "' is not a " + column.type->ToString());
      return false;
    }
    if (zone_offset != column.expects_zone_offset) {
      Decline("'" + std::string(value) + (zone_offset ? "' has" : "' lacks") + " a zone offset");
      return false;
    }
    return true;
  }

  // As Arrow's converter does: the field as it is, looked up in the false values, then in the true
  // values (ConvertOptions::false_values, true_values).
  bool ConvertBool(std::string_view value, ColumnBuffers& column) {
    const auto is = [&](const std::vector<std::string>& words) {
      return std::find(words.begin(), words.end(), value) != words.end();
    };
    if (is(false_values_)) return true;
    if (is(true_values_)) {
      arrow::bit_util::SetBit(column.values->mutable_data(), rows_);
      return true;
    }
    Decline("'" + std::string(value) + "' is not a bool");
    return false;
  }

  std::shared_ptr<arrow::Schema> schema_;
  std::vector<ColumnBuffers> columns_;
  const char delimiter_;
  bool field_end_[256] = {};
  NullMarkers nulls_;
  const std::vector<std::string> true_values_, false_values_;
  const bool strings_can_be_null_;
  int64_t rows_ = 0;      // in the batch
  int64_t capacity_ = 0;  // rows the batch has room for
  int64_t rows_total_ = 0;
  std::string scratch_;
  std::string declined_;
};

Result<std::vector<ColumnKind>> ColumnKinds(const arrow::Schema& schema, std::string* declined) {
  std::vector<ColumnKind> kinds;
  for (const auto& field : schema.fields()) {
    switch (field->type()->id()) {
      case arrow::Type::INT64: kinds.push_back(ColumnKind::kInt64); break;
      case arrow::Type::DOUBLE: kinds.push_back(ColumnKind::kFloat64); break;
      case arrow::Type::STRING: kinds.push_back(ColumnKind::kUtf8); break;
      case arrow::Type::TIMESTAMP: kinds.push_back(ColumnKind::kTimestamp); break;
      case arrow::Type::DATE32: kinds.push_back(ColumnKind::kDate32); break;
      case arrow::Type::BOOL: kinds.push_back(ColumnKind::kBool); break;
      default:
        *declined = "column '" + field->name() + "' of type " + field->type()->ToString();
        return kinds;
    }
  }
  if (kinds.empty()) *declined = "no columns";
  return kinds;
}

// Rows the next batch has room for: the rest of the range at the bytes per line seen so far.
int64_t BatchCapacity(const LineWindows& windows, const char* p, double bytes_per_line) {
  const double rest = static_cast<double>(windows.end_offset() - windows.FileOffset(p));
  const double rows = rest / std::max(bytes_per_line, 1.0);
  return std::clamp(static_cast<int64_t>(rows * 1.05) + 16, int64_t{16}, kMaxBatchRows);
}

struct RangeRead {
  arrow::RecordBatchVector batches;
  std::string declined;
};

// The record batches of the lines in bytes [begin, end) of the file; `header`: skip its first
// line.
Result<RangeRead> ReadRange(std::shared_ptr<arrow::io::ReadableFile> file, int64_t begin, int64_t end, bool header,
                            const std::shared_ptr<arrow::Schema>& schema, const std::vector<ColumnKind>& kinds,
                            char delimiter, const arrow::csv::ConvertOptions& convert) {
  RangeRead out;
  BatchParser parser(schema, kinds, delimiter, convert);
  LineWindows windows(std::move(file), begin, end);
  DEEPRC_ASSIGN_OR_RETURN(bool more, windows.Next(windows.begin()));
  const char* p = windows.begin();
  if (more && header) p = parser.SkipHeader(p);
  const double bytes_per_line =
      more ? static_cast<double>(windows.end() - windows.begin()) /
                 std::max<int64_t>(1, std::count(windows.begin(), windows.end(), '\n'))
           : 1.0;

  int64_t batch_start = begin;
  if (p != nullptr) DEEPRC_RETURN_NOT_OK(parser.StartBatch(BatchCapacity(windows, p, bytes_per_line)));
  while (more && p != nullptr) {
    p = parser.ParseLines(p, windows.end());
    if (p == nullptr) break;
    if (parser.rows() == parser.capacity() || windows.FileOffset(p) - batch_start >= kMaxBatchInputBytes) {
      DEEPRC_ASSIGN_OR_RETURN(auto batch, parser.FinishBatch());
      out.batches.push_back(std::move(batch));
      batch_start = windows.FileOffset(p);
      DEEPRC_RETURN_NOT_OK(parser.StartBatch(BatchCapacity(windows, p, bytes_per_line)));
    }
    if (p == windows.end()) {
      DEEPRC_ASSIGN_OR_RETURN(more, windows.Next(p));
      p = windows.begin();
    }
  }
  if (p == nullptr) {
    out.declined = parser.declined();
    out.batches.clear();
    return out;
  }
  if (parser.rows() > 0) {
    DEEPRC_ASSIGN_OR_RETURN(auto batch, parser.FinishBatch());
    out.batches.push_back(std::move(batch));
  }
  return out;
}

// Where to cut the file into `parts` ranges: just after a '\n' near each equal share. A cut may
// fall inside a quoted field; then the range before it meets that newline inside quotes and
// declines, so whenever every range reads, every cut is a true line boundary (by induction from
// the first range, which starts at the file's start).
Result<std::vector<int64_t>> Cuts(arrow::io::ReadableFile* file, int64_t size, int parts) {
  std::vector<int64_t> cuts{0};
  for (int k = 1; k < parts; ++k) {
    const int64_t target = size * k / parts;
    if (target <= cuts.back()) continue;
    DEEPRC_ASSIGN_OR_RETURN(auto bytes, file->ReadAt(target - 1, kReadBytes));
    const void* newline = std::memchr(bytes->data(), '\n', bytes->size());
    if (newline == nullptr) continue;
    const int64_t cut = target + (static_cast<const uint8_t*>(newline) - bytes->data());
    if (cut < size) cuts.push_back(cut);
  }
  cuts.push_back(size);
  return cuts;
}

}  // namespace

Result<CsvFastRead> ReadCsvFast(const std::string& path, const arrow::csv::ReadOptions& read_options,
                                const arrow::csv::ParseOptions& parse_options,
                                const arrow::csv::ConvertOptions& convert_options, int ranges) {
  CsvFastRead out;
  out.declined = UnsupportedOption(read_options, parse_options, convert_options);
  if (!out.declined.empty()) return out;
  auto schema = ArrowSchema(path, read_options, parse_options, convert_options);
  if (!schema.ok()) {
    out.declined = "Arrow's reader fails on its first block: " + schema.status().message();
    return out;
  }
  DEEPRC_ASSIGN_OR_RETURN(auto kinds, ColumnKinds(**schema, &out.declined));
  if (!out.declined.empty()) return out;

  arrow::util::InitializeUTF8();
  DEEPRC_ASSIGN_OR_RETURN(auto file, OpenInputFile(path));
  DEEPRC_ASSIGN_OR_RETURN(const int64_t size, file->GetSize());
  const bool header = read_options.column_names.empty() && !read_options.autogenerate_column_names;
  // With use_threads, one range per thread of Arrow's CPU pool, each at least kMinRangeBytes.
  int parts = ranges;
  if (parts <= 0) {
    parts = read_options.use_threads ? static_cast<int>(std::clamp<int64_t>(size / kMinRangeBytes, 1,
                                                                            arrow::GetCpuThreadPoolCapacity()))
                                     : 1;
  }
  DEEPRC_ASSIGN_OR_RETURN(const auto cuts, Cuts(file.get(), size, parts));
  const size_t count = cuts.size() - 1;

  // The first range on this thread, the others on threads of their own: tasks on Arrow's CPU
  // pool could wait for ever behind a caller that itself runs on that pool and waits here.
  std::vector<Result<RangeRead>> reads(count, Status::UnknownError("not run"));
  auto read_range = [&](size_t i) {
    reads[i] = ReadRange(file, cuts[i], cuts[i + 1], header && i == 0, *schema, kinds, parse_options.delimiter,
                         convert_options);
  };
  std::vector<std::thread> threads;
  size_t started = 1;
  try {
    for (; started < count; ++started) threads.emplace_back(read_range, started);
  } catch (const std::system_error&) {
    // No thread to be had: this thread reads the ranges that got none.
  }
  read_range(0);
  for (size_t i = started; i < count; ++i) read_range(i);
  for (auto& thread : threads) thread.join();

  arrow::RecordBatchVector batches;
  for (auto& read : reads) {
    DEEPRC_RETURN_NOT_OK(read.status());
    if (!read->declined.empty()) {
      out.declined = std::move(read->declined);
      return out;
    }
    for (auto& batch : read->batches) batches.push_back(std::move(batch));
  }
  DEEPRC_ASSIGN_OR_RETURN(out.table, arrow::Table::FromRecordBatches(*schema, batches));
  return out;
}

}  // namespace deeprc::table
