// CLI11 checks for the numeric options of every command: a value out of range is refused with the
// option's name and the range it takes, never replaced by a default.
#pragma once

#include <CLI/CLI.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <sstream>
#include <string>

namespace deeprc::cli {

// A whole number >= `minimum` (and <= `maximum`). CLI11 puts the option's name in front of the
// message: "--ranks: must be a whole number in [1, 1024], got '0'". A maximum that only guards the
// option's integer type is not shown as a range.
inline CLI::Validator WholeNumber(int64_t minimum, int64_t maximum = std::numeric_limits<int64_t>::max()) {
  const bool bounded = maximum < std::numeric_limits<int32_t>::max();
  const std::string range = bounded ? "in [" + std::to_string(minimum) + ", " + std::to_string(maximum) + "]"
                                    : ">= " + std::to_string(minimum);
  return CLI::Validator(
      [minimum, maximum, range](std::string& text) -> std::string {
        int64_t value = 0;
        if (!CLI::detail::lexical_cast(text, value) || value < minimum) {
          return "must be a whole number " + range + ", got '" + text + "'";
        }
        if (value > maximum) return "must be a whole number <= " + std::to_string(maximum) + ", got '" + text + "'";
        return "";
      },
      "INT " + range);
}

// A finite number > `minimum` (or >= it when `inclusive`). NaN and infinities are refused:
// CLI::Range and CLI::PositiveNumber let NaN through, since every comparison with it is false.
inline CLI::Validator FiniteNumber(double minimum, bool inclusive) {
  std::ostringstream bound;
  bound << minimum;
  const std::string range = (inclusive ? ">= " : "> ") + bound.str();
  return CLI::Validator(
      [minimum, inclusive, range](std::string& text) -> std::string {
        double value = 0;
        const bool parsed = CLI::detail::lexical_cast(text, value);
        if (!parsed || !std::isfinite(value) || value < minimum || (!inclusive && value == minimum)) {
          return "must be a finite number " + range + ", got '" + text + "'";
        }
        return "";
      },
      "FLOAT " + range);
}

}  // namespace deeprc::cli
