#include "deeprc/table/io/preview.h"

#include <arrow/scalar.h>

#include <algorithm>
#include <sstream>
#include <vector>

namespace deeprc::table {
namespace {

// Wide enough for a timestamp with a zone, narrow enough for several columns on one line.
constexpr size_t kMaxCellWidth = 40;
constexpr const char* kEllipsis = "…";

std::string Cell(const arrow::ChunkedArray& column, int64_t row) {
  auto scalar = column.GetScalar(row);
  if (!scalar.ok()) return "<" + scalar.status().message() + ">";
  if (!(*scalar)->is_valid) return "null";
  std::string text = (*scalar)->ToString();
  if (text.size() > kMaxCellWidth) text = text.substr(0, kMaxCellWidth - 1) + kEllipsis;
  return text;
}

// Display width: the ellipsis is three bytes and one column.
size_t Width(const std::string& text) {
  size_t width = 0;
  for (unsigned char c : text) width += (c & 0xC0) != 0x80;
  return width;
}

}  // namespace

std::string FormatPreview(const Table& table, int64_t max_rows) {
  const int64_t rows = table.num_rows();
  const int columns = table.num_columns();
  std::vector<int64_t> shown;
  const bool cut = rows > max_rows;
  const int64_t head = cut ? std::max<int64_t>(max_rows / 2, 1) : rows;
  for (int64_t i = 0; i < head; ++i) shown.push_back(i);
  if (cut) {
    for (int64_t i = std::max(head, rows - max_rows / 2); i < rows; ++i) shown.push_back(i);
  }

  // grid[0] names, grid[1] types, then one line per shown row (an empty line for the gap).
  std::vector<std::vector<std::string>> grid(2);
  for (int c = 0; c < columns; ++c) {
    const auto& field = table.schema()->field(c);
    grid[0].push_back(field->name());
    grid[1].push_back(field->type()->ToString());
  }
  for (size_t k = 0; k < shown.size(); ++k) {
    if (cut && k == static_cast<size_t>(head)) grid.emplace_back(columns, kEllipsis);
    std::vector<std::string> line;
    for (int c = 0; c < columns; ++c) line.push_back(Cell(*table.arrow()->column(c), shown[k]));
    grid.push_back(std::move(line));
  }
  std::vector<size_t> widths(columns, 0);
  for (const auto& line : grid) {
    for (int c = 0; c < columns; ++c) widths[c] = std::max(widths[c], Width(line[c]));
  }

  std::ostringstream out;
  out << "shape: (" << rows << ", " << columns << ")\n";
  for (size_t l = 0; l < grid.size(); ++l) {
    for (int c = 0; c < columns; ++c) {
      if (c > 0) out << "  ";
      out << grid[l][c];
      if (c + 1 < columns) out << std::string(widths[c] - Width(grid[l][c]), ' ');
    }
    out << "\n";
    if (l == 1) {  // a rule under the header
      for (int c = 0; c < columns; ++c) out << (c > 0 ? "  " : "") << std::string(widths[c], '-');
      out << "\n";
    }
  }
  return out.str();
}

}  // namespace deeprc::table
