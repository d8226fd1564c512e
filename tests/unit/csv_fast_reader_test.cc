// deeprc's single-pass CSV reader against Arrow's (the reference): on the inputs it reads it must
// give Arrow's table bit for bit; on the rest it declines and ReadCsv gives Arrow's table or error.
#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include "deeprc/table/io/csv_fast_reader.h"
#include "deeprc/table/io/csv_io.h"
#include "test_util.h"

namespace deeprc::table {
namespace {

using testing::TempDir;

void WriteText(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

CsvReadOptions WithEngine(CsvReadOptions options, CsvEngine engine) {
  options.engine = engine;
  return options;
}

// Same schema and values; doubles compared by their bits (Arrow's Equals takes -0.0 for 0.0).
::testing::AssertionResult SameTable(const Table& actual, const Table& expected) {
  if (!actual.schema()->Equals(*expected.schema())) {
    return ::testing::AssertionFailure() << "schema " << actual.schema()->ToString() << "\nexpected "
                                         << expected.schema()->ToString();
  }
  if (!actual.arrow()->Equals(*expected.arrow())) {
    return ::testing::AssertionFailure() << "values differ\n"
                                         << actual.ToString(20) << "\nexpected\n"
                                         << expected.ToString(20);
  }
  auto a = actual.CombineChunks().ValueOrDie(), e = expected.CombineChunks().ValueOrDie();
  for (int c = 0; c < a.num_columns(); ++c) {
    if (a.schema()->field(c)->type()->id() != arrow::Type::DOUBLE || a.num_rows() == 0) continue;
    const auto& x = static_cast<const arrow::DoubleArray&>(*a.arrow()->column(c)->chunk(0));
    const auto& y = static_cast<const arrow::DoubleArray&>(*e.arrow()->column(c)->chunk(0));
    for (int64_t i = 0; i < x.length(); ++i) {
      if (x.IsNull(i)) continue;
      const double u = x.Value(i), v = y.Value(i);
      if (std::memcmp(&u, &v, sizeof u) != 0) {
        return ::testing::AssertionFailure() << "column " << c << " row " << i << ": " << u << " vs " << v;
      }
    }
  }
  return ::testing::AssertionSuccess();
}

// The fast engine reads the file (it does not decline) and gives Arrow's table.
void ExpectFastEqualsArrow(const std::string& path, const CsvReadOptions& options = {}) {
  auto arrow_table = ReadCsv(path, WithEngine(options, CsvEngine::kArrow));
  ASSERT_TRUE(arrow_table.ok()) << arrow_table.status().ToString();
  auto fast = ReadCsv(path, WithEngine(options, CsvEngine::kFast));
  ASSERT_TRUE(fast.ok()) << fast.status().ToString();
  EXPECT_TRUE(SameTable(*fast, *arrow_table));
}

// The fast engine declines, and the default engine gives what Arrow's gives: the table, or the
// same error.
void ExpectDeclinedAndAutoEqualsArrow(const std::string& path, const CsvReadOptions& options = {}) {
  auto fast = ReadCsv(path, WithEngine(options, CsvEngine::kFast));
  EXPECT_FALSE(fast.ok()) << "the fast engine read it:\n" << fast->ToString();
  if (!fast.ok()) {
    EXPECT_NE(fast.status().message().find("declined"), std::string::npos) << fast.status().ToString();
  }
  auto arrow_table = ReadCsv(path, WithEngine(options, CsvEngine::kArrow));
  auto automatic = ReadCsv(path, WithEngine(options, CsvEngine::kAuto));
  ASSERT_EQ(automatic.ok(), arrow_table.ok()) << (automatic.ok() ? arrow_table : automatic).status().ToString();
  if (arrow_table.ok()) {
    EXPECT_TRUE(SameTable(*automatic, *arrow_table));
  } else {
    EXPECT_EQ(automatic.status().ToString(), arrow_table.status().ToString());
  }
}

// The fast reader called directly with ReadCsv's default options, the file cut into `ranges`
// read in parallel.
Result<CsvFastRead> ReadInRanges(const std::string& path, int ranges) {
  auto convert = arrow::csv::ConvertOptions::Defaults();
  convert.strings_can_be_null = true;
  return ReadCsvFast(path, arrow::csv::ReadOptions::Defaults(), arrow::csv::ParseOptions::Defaults(), convert,
                     ranges);
}

// Random CSV text in the shapes writers produce: int64, float64, string, timestamp, date and bool columns
// with negatives, every default null marker, quoted fields holding delimiters and quotes.
struct RandomCsv {
  std::mt19937_64 rng;
  bool crlf = false;
  double null_share = 0.1;

  explicit RandomCsv(uint64_t seed) : rng(seed) {}

  std::string NullMarker() {
    static const char* kMarkers[] = {"", "NA", "null", "NULL", "NaN", "nan", "N/A", "#N/A", "-nan", "\"\"", "\"NA\""};
    return kMarkers[rng() % std::size(kMarkers)];
  }
  bool Null() { return std::uniform_real_distribution<double>(0, 1)(rng) < null_share; }

  std::string Int() {
    if (Null()) return NullMarker();
    switch (rng() % 4) {
      case 0: return std::to_string(static_cast<int64_t>(rng() % 100));
      case 1: return std::to_string(-static_cast<int64_t>(rng() % 1000000));
      case 2: return std::to_string(static_cast<int64_t>(rng() >> 1) * (rng() % 2 ? 1 : -1));  // up to 19 digits
      default: return std::to_string(static_cast<int64_t>(rng() % 1000000000000ull));
    }
  }

  std::string Double() {
    if (Null()) return NullMarker();
    char buffer[64];
    const double magnitude = std::pow(10.0, std::uniform_int_distribution<int>(-8, 12)(rng));
    const double v = std::uniform_real_distribution<double>(-1, 1)(rng) * magnitude;
    switch (rng() % 5) {
      case 0: return std::string(buffer, std::to_chars(buffer, buffer + 64, v).ptr);  // shortest round trip
      case 1: snprintf(buffer, sizeof buffer, "%.2f", v); return buffer;
      case 2: snprintf(buffer, sizeof buffer, "%.17g", v); return buffer;
      case 3: snprintf(buffer, sizeof buffer, "%.6e", v); return buffer;
      default: return std::to_string(static_cast<int64_t>(rng() % 100000));  // an integer in a double column
    }
  }

  std::string String() {
    if (Null()) return NullMarker();
    static const char* kPieces[] = {"item", "x", ",", "\"\"", " ", "é", "naïve", "a,b", "NA "};
    std::string s = std::to_string(rng() % 1000);
    s.insert(s.begin(), 's');
    const int pieces = static_cast<int>(rng() % 3);
    bool quoted = false;
    for (int i = 0; i < pieces; ++i) {
      const std::string piece = kPieces[rng() % std::size(kPieces)];
      quoted |= piece.find_first_of(",\"") != std::string::npos;
      s += piece;
    }
    if (quoted || rng() % 10 == 0) s = std::string(1, '"').append(s).append(1, '"');
    return s;
  }

  // ISO 8601 as pandas and most loggers write it, with ' ' or 'T', some with milliseconds (which
  // make Arrow infer nanoseconds), some quoted.
  std::string Timestamp() {
    if (Null()) return NullMarker();
    char buffer[48];
    snprintf(buffer, sizeof buffer, "%04d-%02d-%02d%c%02d:%02d:%02d", static_cast<int>(1970 + rng() % 60),
             static_cast<int>(1 + rng() % 12), static_cast<int>(1 + rng() % 28), rng() % 4 ? ' ' : 'T',
             static_cast<int>(rng() % 24), static_cast<int>(rng() % 60), static_cast<int>(rng() % 60));
    std::string s = buffer;
    if (rng() % 10 == 0) s += "." + std::to_string(rng() % 1000);
    if (rng() % 10 == 0) s = std::string(1, '"').append(s).append(1, '"');
    return s;
  }

  // YYYY-MM-DD, some quoted, some with spaces around (which Arrow trims for dates).
  std::string Date() {
    if (Null()) return NullMarker();
    char buffer[32];
    snprintf(buffer, sizeof buffer, "%04d-%02d-%02d", static_cast<int>(1900 + rng() % 200),
             static_cast<int>(1 + rng() % 12), static_cast<int>(1 + rng() % 28));
    std::string s = buffer;
    if (rng() % 10 == 0) s = " " + s + " ";
    if (rng() % 10 == 0) s = std::string(1, '"').append(s).append(1, '"');
    return s;
  }

  std::string Bool() {
    if (Null()) return NullMarker();
    static const char* kWords[] = {"true", "false", "True", "False", "TRUE", "FALSE", "\"true\""};
    return kWords[rng() % std::size(kWords)];
  }

  std::string Table(int64_t rows) {
    const std::string eol = crlf ? "\r\n" : "\n";
    std::string text = "\"id\",\"k\",x,price,\"s\",t,d,flag" + eol;
    for (int64_t i = 0; i < rows; ++i) {
      text += std::to_string(i) + "," + Int() + "," + Double() + "," + Double() + "," + String() + "," +
              Timestamp() + "," + Date() + "," + Bool() + eol;
    }
    return text;
  }
};

TEST(CsvFastReader, RandomTablesEqualArrowsBitForBit) {
  TempDir dir;
  for (uint64_t seed : {1, 2, 3}) {
    for (int64_t rows : {1, 7, 1000, 60000}) {  // 60000 rows: several of Arrow's 1 MB blocks
      for (bool crlf : {false, true}) {
        SCOPED_TRACE("seed " + std::to_string(seed) + " rows " + std::to_string(rows) + (crlf ? " CRLF" : " LF"));
        RandomCsv random(seed);
        random.crlf = crlf;
        random.null_share = rows < 10 ? 0 : 0.1;  // a column of nulls only would have Arrow's null type
        const std::string path = dir.File("t.csv");
        WriteText(path, random.Table(rows));
        ExpectFastEqualsArrow(path);
      }
    }
  }
}

TEST(CsvFastReader, LastLineWithoutNewlineAndEmptyLines) {
  TempDir dir;
  WriteText(dir.File("a.csv"), "a,b\n1,x\n\n2,y\r\n\r\n3,z");
  ExpectFastEqualsArrow(dir.File("a.csv"));
}

// Doubles written every way (shortest round trip, 15 to 19 significant digits, exponents,
// subnormals, halfway cases) read to the same bits as Arrow's fast_float.
TEST(CsvFastReader, DoublesAreBitIdenticalToArrows) {
  TempDir dir;
  std::mt19937_64 rng(42);
  std::string text = "v\n";
  char buffer[64];
  for (int i = 0; i < 200000; ++i) {
    uint64_t bits = rng();
    double v;
    std::memcpy(&v, &bits, sizeof v);
    if (!std::isfinite(v)) continue;
    switch (i % 6) {
      case 0: text += std::string(buffer, std::to_chars(buffer, buffer + 64, v).ptr); break;
      case 1: snprintf(buffer, sizeof buffer, "%.17g", v); text += buffer; break;
      case 2: snprintf(buffer, sizeof buffer, "%.25g", v); text += buffer; break;
      case 3: {  // [-]digits.digits with 15 to 19 significant digits, the decimal point anywhere
        const int digits = 15 + static_cast<int>(rng() % 5), point = static_cast<int>(rng() % (digits + 1));
        std::string s = rng() % 2 ? "-" : "";
        for (int d = 0; d < digits; ++d) {
          if (d == point) s += '.';
          s += static_cast<char>('0' + rng() % 10);
        }
        text += s;
        break;
      }
      case 4: {  // near 2^53 and the halfway points above it
        const uint64_t m = (uint64_t{1} << 53) + rng() % 4096;
        const int point = static_cast<int>(rng() % 17);
        std::string s = std::to_string(m);
        text += point == 0 ? s : s.substr(0, s.size() - point) + "." + s.substr(s.size() - point);
        break;
      }
      default: {  // ordinary magnitudes, 17 digits
        const double w = std::uniform_real_distribution<double>(-1e4, 1e4)(rng);
        snprintf(buffer, sizeof buffer, "%.*f", static_cast<int>(rng() % 16), w);
        text += buffer;
      }
    }
    text += '\n';
  }
  // Exact halfway points between neighbouring doubles, which round to the even one: 2^p + k +
  // 2^(p-53) lies halfway between 2^p + k and the next double, whose spacing there is 2^(p-52).
  for (int p = 49; p <= 52; ++p) {
    static const char* kHalfSpacing[] = {".0625", ".125", ".25", ".5"};
    for (uint64_t k = 0; k < 2000; ++k) {
      text += std::to_string((uint64_t{1} << p) + k * 7919) + kHalfSpacing[p - 49] + "\n";
    }
  }
  text += "4.9406564584124654e-324\n2.2250738585072011e-308\n9007199254740993\n9007199254740995\n"
          "-0\n-0.0\n0.000\n1.\n.5\n-.5\n1e5\n1E+05\ninf\n-Infinity\n18446744073709551615\n"
          "9999999999999999999\n0.1000000000000000055511151231257827\n";
  WriteText(dir.File("d.csv"), text);
  CsvReadOptions options;
  options.column_types = {{"v", arrow::float64()}};
  ExpectFastEqualsArrow(dir.File("d.csv"), options);
}

TEST(CsvFastReader, IntegersInArrowsOtherFormats) {
  TempDir dir;
  // Arrow reads hex, spaces around numbers, leading zeros and 19 digits too.
  WriteText(dir.File("i.csv"),
            "a,b\n1,0x1F\n2, 5 \n3,007\n4,-0\n5,9223372036854775807\n6,-9223372036854775808\n7,\"42\"\n");
  CsvReadOptions options;
  options.column_types = {{"b", arrow::int64()}};
  ExpectFastEqualsArrow(dir.File("i.csv"), options);
}

// Every form of timestamp Arrow infers or is given: seconds, nanoseconds (a fraction in the first
// block), with a zone offset (UTC), a unit the user chose.
TEST(CsvFastReader, TimestampsEqualArrows) {
  TempDir dir;
  WriteText(dir.File("s.csv"), "t,v\n2016-07-01 00:00:00,1\n2016-07-01T01:00:00,2\n,3\n\"2016-07-01 02\",4\n");
  WriteText(dir.File("ns.csv"), "t\n2016-07-01 00:00:00\n2016-07-01 00:00:00.5\n1969-12-31 23:59:59.123456789\nNA\n");
  WriteText(dir.File("zone.csv"), "t\n2016-07-01 00:00:00Z\n2016-07-01 00:00:00+02:00\n2016-07-01T10:30-0130\n");
  for (const char* name : {"s.csv", "ns.csv", "zone.csv"}) {
    SCOPED_TRACE(name);
    ExpectFastEqualsArrow(dir.File(name));
  }
  auto read = ReadCsv(dir.File("zone.csv"), WithEngine({}, CsvEngine::kFast));
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->schema()->field(0)->type()->ToString(), "timestamp[s, tz=UTC]");

  CsvReadOptions options;
  options.column_types = {{"t", arrow::timestamp(arrow::TimeUnit::MILLI)}};
  ExpectFastEqualsArrow(dir.File("s.csv"), options);
}

// The real series the example pipeline reads, where the machine has it (../shared/data); a clone
// elsewhere skips it rather than failing on a file the repository does not carry.
TEST(CsvFastReader, EtthOneEqualsArrows) {
  const std::string ett = std::string(DEEPRC_SHARED_DATA_DIR) + "/ett/ETTh1.csv";
  if (!std::filesystem::exists(ett)) GTEST_SKIP() << ett << " is absent";
  ExpectFastEqualsArrow(ett);
}

TEST(CsvFastReader, DatesEqualArrows) {
  TempDir dir;
  WriteText(dir.File("d.csv"), "d,v\n2016-07-01,1\n\"1969-12-31\",2\nNA,3\n 2016-02-29 ,4\n0001-01-01,5\n");
  ExpectFastEqualsArrow(dir.File("d.csv"));
  auto read = ReadCsv(dir.File("d.csv"), WithEngine({}, CsvEngine::kFast));
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->schema()->field(0)->type()->id(), arrow::Type::DATE32);
}

// Arrow's words for true and false (and, where the user gives the type, 1 and 0), nulls, quotes;
// bits spanning many bytes, in one batch and in three ranges.
TEST(CsvFastReader, BooleansEqualArrows) {
  TempDir dir;
  WriteText(dir.File("b.csv"), "b,v\ntrue,1\nFalse,2\nTRUE,3\n,4\n\"false\",5\nNA,6\nTrue,7\nfalse,8\ntrue,9\n");
  ExpectFastEqualsArrow(dir.File("b.csv"));
  std::string many = "b\n";
  std::mt19937_64 rng(11);
  for (int i = 0; i < 70000; ++i) many += (rng() % 3 == 0 ? "false\n" : rng() % 7 == 0 ? "\n" : "true\n");
  WriteText(dir.File("many.csv"), many);
  ExpectFastEqualsArrow(dir.File("many.csv"));
  ASSERT_OK_AND_ASSIGN(CsvFastRead in_ranges, ReadInRanges(dir.File("many.csv"), 3));
  ASSERT_NE(in_ranges.table, nullptr) << in_ranges.declined;
  ASSERT_OK_AND_ASSIGN(Table expected, ReadCsv(dir.File("many.csv"), WithEngine({}, CsvEngine::kArrow)));
  EXPECT_TRUE(SameTable(Table(in_ranges.table), expected));

  WriteText(dir.File("digits.csv"), "b\n1\n0\n1\n");
  CsvReadOptions options;
  options.column_types = {{"b", arrow::boolean()}};
  ExpectFastEqualsArrow(dir.File("digits.csv"), options);
}

TEST(CsvFastReader, QuotedNullsAndQuotedValues) {
  TempDir dir;
  WriteText(dir.File("q.csv"),
            "a,b,c\n\"NA\",\"\",\"1.5\"\n\"x,\"\"y\"\"\",\"7\",NaN\n\"\",NA,-nan\nz,-3,\"\"\n");
  ExpectFastEqualsArrow(dir.File("q.csv"));
}

TEST(CsvFastReader, UserOptionsAreHonoured) {
  TempDir dir;
  WriteText(dir.File("t.csv"), "1;x;-\n2;-;7.25\n-1;NA;-1\n");
  CsvReadOptions options;
  options.delimiter = ';';
  options.header = false;
  options.column_names = {"id", "name", "v"};
  options.column_types = {{"v", arrow::float64()}};
  options.null_values = {"-", "-1"};  // "-1" is also a number: it must still read as null
  ExpectFastEqualsArrow(dir.File("t.csv"), options);

  options.column_names.clear();  // autogenerated names f0, f1, f2
  ExpectFastEqualsArrow(dir.File("t.csv"), options);
}

TEST(CsvFastReader, HeaderOnlyWithGivenTypes) {
  TempDir dir;
  WriteText(dir.File("h.csv"), "a,b\n");
  CsvReadOptions options;
  options.column_types = {{"a", arrow::int64()}, {"b", arrow::utf8()}};
  ExpectFastEqualsArrow(dir.File("h.csv"), options);
}

// What the fast reader leaves to Arrow's: the default engine still gives Arrow's answer.
TEST(CsvFastReader, DeclinesWhatItDoesNotReadAsArrowDoes) {
  TempDir dir;
  std::string ints = "a,b\n";
  std::string strings = "a,s\n";
  std::string times = "a,t\n";
  std::string dates = "a,d\n";
  std::string bools = "a,b\n";
  for (int i = 0; i < 150000; ++i) {
    ints += std::to_string(i) + "," + std::to_string(i % 7) + "\n";
    strings += std::to_string(i) + ",item_" + std::to_string(i % 7) + "\n";
    times += std::to_string(i) + ",2016-07-0" + std::to_string(1 + i % 9) + " 12:00:00\n";
    dates += std::to_string(i) + ",2016-07-0" + std::to_string(1 + i % 9) + "\n";
    bools += std::to_string(i) + (i % 3 ? ",true\n" : ",false\n");
  }
  const struct {
    const char* name;
    std::string text;
  } cases[] = {
      {"float_after_first_block", ints + "1,2.5\n"},     // Arrow widens b to double
      {"text_after_first_block", ints + "1,abc\n"},      // ... to string
      {"overflow_after_first_block", ints + "1,9223372036854775808\n"},
      {"invalid_utf8_after_first_block", strings + "1,\xff\xfe\n"},  // ... to binary
      {"ragged_short", ints + "1\n"},
      {"ragged_long", ints + "1,2,3\n"},
      {"newline_in_quotes", "a,b\n1,\"x\ny\"\n2,z\n"},
      {"lone_cr", "a,b\r1,x\r2,z\r"},
      {"byte_order_mark", "\xef\xbb\xbf" "a,b\n1,2\n"},
      {"quote_inside_field", "a,b\n1,x\"y\n"},
      {"characters_after_quote", "a,b\n1,\"x\"y\n"},
      {"empty_file", ""},
      {"header_only", "a,b\n"},
      {"all_null_column", "a,b\n1,\n2,\n"},
      {"text_in_bools_after_first_block", bools + "1,maybe\n"},  // Arrow widens b to string
      {"spaces_around_a_bool_after_first_block", bools + "1, true\n"},
      {"text_in_timestamps_after_first_block", times + "1,soon\n"},  // Arrow widens t to string
      {"zone_in_timestamps_after_first_block", times + "1,2016-07-01 00:00:00Z\n"},
      {"fraction_in_timestamps_after_first_block", times + "1,2016-07-01 00:00:00.5\n"},
      {"spaces_around_a_timestamp_after_first_block", times + "1, 2016-07-01 00:00:00 \n"},
      {"time_in_dates_after_first_block", dates + "1,2016-07-01 12:00\n"},  // Arrow widens d to timestamp
      {"invalid_date_after_first_block", dates + "1,2016-02-30\n"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string path = dir.File(std::string(c.name) + ".csv");
    WriteText(path, c.text);
    ExpectDeclinedAndAutoEqualsArrow(path);
  }
  // A type the fast reader does not write, given by the user.
  WriteText(dir.File("int32.csv"), "a\n1\n");
  CsvReadOptions options;
  options.column_types = {{"a", arrow::int32()}};
  ExpectDeclinedAndAutoEqualsArrow(dir.File("int32.csv"), options);
  // A value that does not parse in a type the user gave: Arrow's error, naming row and column.
  WriteText(dir.File("bad.csv"), "a,b\n1,2\n3,oops\n");
  options.column_types = {{"b", arrow::int64()}};
  ExpectDeclinedAndAutoEqualsArrow(dir.File("bad.csv"), options);
  auto error = ReadCsv(dir.File("bad.csv"), options);
  ASSERT_FALSE(error.ok());
  EXPECT_NE(error.status().message().find("bad.csv"), std::string::npos) << error.status().ToString();
  EXPECT_NE(error.status().message().find("Row #3"), std::string::npos) << error.status().ToString();
  // A time zone the user gave, and a value without a zone offset: Arrow's error.
  WriteText(dir.File("no_zone.csv"), "t\n2016-07-01 00:00:00Z\n2016-07-01 00:00:00\n");
  options.column_types = {{"t", arrow::timestamp(arrow::TimeUnit::SECOND, "UTC")}};
  ExpectDeclinedAndAutoEqualsArrow(dir.File("no_zone.csv"), options);
}

// Random bytes of a valid file replaced by CSV's special characters and by bytes that break
// numbers or UTF-8: wherever the fast engine reads the file it must give Arrow's table, and the
// default engine must always give Arrow's table or Arrow's error. Mutations in a small file
// change what Arrow infers; in the tail of a large one they come after Arrow's first block.
TEST(CsvFastReader, MutatedFilesReadAsArrowReadsThem) {
  TempDir dir;
  static const char kBytes[] = {'"', ',', '\r', '\n', ' ', '-', '.', 'e', 'x', '0', '\t', '\xff', '\xc3'};
  std::mt19937_64 rng(7);
  int fast_reads = 0, declines = 0;
  for (int iteration = 0; iteration < 240; ++iteration) {
    const bool large = iteration % 6 == 0;
    RandomCsv random(iteration);
    random.crlf = iteration % 4 == 1;
    std::string text = random.Table(large ? 40000 : 60);
    const size_t from = large ? text.size() * 9 / 10 : 0;
    const int mutations = 1 + static_cast<int>(rng() % 3);
    for (int m = 0; m < mutations; ++m) {
      text[from + rng() % (text.size() - from)] = kBytes[rng() % sizeof kBytes];
    }
    const std::string path = dir.File("m.csv");
    WriteText(path, text);
    SCOPED_TRACE("iteration " + std::to_string(iteration));
    auto arrow_table = ReadCsv(path, WithEngine({}, CsvEngine::kArrow));
    auto fast = ReadCsv(path, WithEngine({}, CsvEngine::kFast));
    if (fast.ok()) {
      ++fast_reads;
      ASSERT_TRUE(arrow_table.ok()) << "the fast engine read what Arrow rejects: " << arrow_table.status().ToString();
      ASSERT_TRUE(SameTable(*fast, *arrow_table));
    } else {
      ++declines;
    }
    ASSERT_OK_AND_ASSIGN(CsvFastRead in_ranges, ReadInRanges(path, 3));  // cuts near mutations too
    if (in_ranges.table != nullptr) {
      ASSERT_TRUE(arrow_table.ok()) << "read in ranges what Arrow rejects: " << arrow_table.status().ToString();
      ASSERT_TRUE(SameTable(Table(in_ranges.table), *arrow_table));
    }
    auto automatic = ReadCsv(path);
    ASSERT_EQ(automatic.ok(), arrow_table.ok());
    if (automatic.ok()) {
      ASSERT_TRUE(SameTable(*automatic, *arrow_table));
    } else {
      ASSERT_EQ(automatic.status().ToString(), arrow_table.status().ToString());
    }
  }
  // Both kinds of outcome occur, or the test says little.
  EXPECT_GT(fast_reads, 40);
  EXPECT_GT(declines, 40);
}

TEST(CsvFastReader, RangesReadInParallelEqualArrows) {
  TempDir dir;
  for (uint64_t seed : {4, 5}) {
    RandomCsv random(seed);
    random.crlf = seed == 5;
    const std::string path = dir.File("t.csv");
    WriteText(path, random.Table(30000));
    ASSERT_OK_AND_ASSIGN(Table expected, ReadCsv(path, WithEngine({}, CsvEngine::kArrow)));
    for (int ranges : {2, 3, 7}) {
      SCOPED_TRACE("seed " + std::to_string(seed) + ", " + std::to_string(ranges) + " ranges");
      ASSERT_OK_AND_ASSIGN(CsvFastRead read, ReadInRanges(path, ranges));
      ASSERT_NE(read.table, nullptr) << read.declined;
      EXPECT_GE(read.table->column(0)->num_chunks(), ranges);  // it did cut the file
      EXPECT_TRUE(SameTable(Table(read.table), expected));
    }
  }
}

// A cut inside a quoted field: the range before it meets the newline inside quotes and declines,
// even where the quoted text after the cut reads as rows of the table.
TEST(CsvFastReader, CutInsideQuotesDeclines) {
  TempDir dir;
  std::string rows, quoted;
  for (int i = 0; i < 2000; ++i) rows += std::to_string(i) + ",plain\n";
  for (int i = 0; i < 4000; ++i) quoted += std::to_string(i) + ",looks like a row\n";
  const std::string path = dir.File("q.csv");
  WriteText(path, "a,b\n" + rows + "-1,\"" + quoted + "\"\n" + rows);
  for (int ranges : {1, 2, 3}) {
    SCOPED_TRACE(std::to_string(ranges) + " ranges");
    ASSERT_OK_AND_ASSIGN(CsvFastRead read, ReadInRanges(path, ranges));
    EXPECT_EQ(read.table, nullptr);
    EXPECT_NE(read.declined.find("newline inside quotes"), std::string::npos) << read.declined;
  }
  ExpectDeclinedAndAutoEqualsArrow(path);
}

TEST(CsvFastReader, RaggedRowErrorNamesFileAndRow) {
  TempDir dir;
  WriteText(dir.File("ragged.csv"), "a,b,c\n1,2,3\n4,5\n");
  auto result = ReadCsv(dir.File("ragged.csv"));
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("ragged.csv"), std::string::npos) << result.status().ToString();
  EXPECT_NE(result.status().message().find("Row #3"), std::string::npos) << result.status().ToString();
}

}  // namespace
}  // namespace deeprc::table
