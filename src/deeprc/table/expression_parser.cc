#include "deeprc/table/expression_parser.h"

#include <arrow/compute/api.h>
#include <arrow/scalar.h>

#include <array>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace deeprc {
namespace {

namespace cp = arrow::compute;

enum class TokenKind { kEnd, kName, kQuotedName, kInteger, kFloat, kString, kSymbol };

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string text;     // the name, the unquoted string, the number's digits or the symbol
  size_t position = 0;  // offset of the token's first character in the input
};

Status SyntaxError(std::string_view input, size_t position, const std::string& message) {
  return Status::Invalid("cannot parse expression \"", input, "\" at column ", position + 1, ": ", message);
}

bool IsNameStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsNameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
bool IsDigit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

// Two-character symbols first, so that "<=" is not read as "<" then "=".
constexpr std::array<std::string_view, 17> kSymbols = {"==", "!=", "<>", "<=", ">=", "&&", "||", "<", ">",
                                                       "=",  "!",  "+",  "-",  "*",  "/",  "(",  ")"};

// Reads a quoted string or name starting at `start` (the opening quote); a doubled quote stands
// for one quote. Returns the offset just past the closing quote.
Result<size_t> ReadQuoted(std::string_view input, size_t start, std::string* out) {
  const char quote = input[start];
  size_t i = start + 1;
  while (i < input.size()) {
    if (input[i] == quote) {
      if (i + 1 < input.size() && input[i + 1] == quote) {
        out->push_back(quote);
        i += 2;
        continue;
      }
      return i + 1;
    }
    out->push_back(input[i++]);
  }
  return SyntaxError(input, start,
                     quote == '\'' ? "the string starting here has no closing '"
                                   : "the name starting here has no closing \"");
}

Result<std::vector<Token>> Tokenize(std::string_view input) {
  std::vector<Token> tokens;
  size_t i = 0;
  while (i < input.size()) {
    const char c = input[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
      continue;
    }
    Token token;
    token.position = i;
    if (IsNameStart(c)) {
      size_t end = i;
      while (end < input.size() && IsNameChar(input[end])) ++end;
      token.kind = TokenKind::kName;
      token.text = std::string(input.substr(i, end - i));
      i = end;
    } else if (IsDigit(c) || (c == '.' && i + 1 < input.size() && IsDigit(input[i + 1]))) {
      size_t end = i;
      bool is_float = false;
      while (end < input.size() && IsDigit(input[end])) ++end;
      if (end < input.size() && input[end] == '.') {
        is_float = true;
        ++end;
        while (end < input.size() && IsDigit(input[end])) ++end;
      }
      if (end < input.size() && (input[end] == 'e' || input[end] == 'E')) {
        size_t exponent = end + 1;
        if (exponent < input.size() && (input[exponent] == '+' || input[exponent] == '-')) ++exponent;
        if (exponent < input.size() && IsDigit(input[exponent])) {
          is_float = true;
          end = exponent;
          while (end < input.size() && IsDigit(input[end])) ++end;
        }
      }
      token.kind = is_float ? TokenKind::kFloat : TokenKind::kInteger;
      token.text = std::string(input.substr(i, end - i));
      i = end;
    } else if (c == '\'' || c == '"') {
      token.kind = c == '\'' ? TokenKind::kString : TokenKind::kQuotedName;
      DEEPRC_ASSIGN_OR_RETURN(i, ReadQuoted(input, i, &token.text));
      if (token.kind == TokenKind::kQuotedName && token.text.empty()) {
        return SyntaxError(input, token.position, "a quoted column name cannot be empty");
      }
    } else {
      for (std::string_view symbol : kSymbols) {
        if (input.substr(i, symbol.size()) == symbol) {
          token.kind = TokenKind::kSymbol;
          token.text = std::string(symbol);
          break;
        }
      }
      if (token.kind != TokenKind::kSymbol) {
        std::string message = "unexpected character '" + std::string(1, c) + "'";
        if (c == '&' || c == '|') message += std::string(" (did you mean '") + c + c + "'?)";
        return SyntaxError(input, i, message);
      }
      i += token.text.size();
    }
    tokens.push_back(std::move(token));
  }
  tokens.push_back(Token{TokenKind::kEnd, "", input.size()});
  return tokens;
}

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

constexpr std::array<std::string_view, 7> kKeywords = {"and", "or", "not", "is", "null", "true", "false"};

bool IsAnyKeyword(const Token& token) {
  if (token.kind != TokenKind::kName) return false;
  for (std::string_view keyword : kKeywords) {
    if (EqualsIgnoringCase(token.text, keyword)) return true;
  }
  return false;
}

// Arrow's comparison functions by the symbol that names them.
const char* ComparisonFunction(const Token& token) {
  if (token.kind != TokenKind::kSymbol) return nullptr;
  if (token.text == "==" || token.text == "=") return "equal";
  if (token.text == "!=" || token.text == "<>") return "not_equal";
  if (token.text == "<") return "less";
  if (token.text == "<=") return "less_equal";
  if (token.text == ">") return "greater";
  if (token.text == ">=") return "greater_equal";
  return nullptr;
}

class Parser {
 public:
  Parser(std::string_view input, std::vector<Token> tokens) : input_(input), tokens_(std::move(tokens)) {}

  Result<cp::Expression> Parse() {
    DEEPRC_ASSIGN_OR_RETURN(auto expression, ParseOr());
    if (ComparisonFunction(Peek()) != nullptr) {
      return Error("comparisons do not chain; combine them with 'and'");
    }
    if (Peek().kind != TokenKind::kEnd) {
      return Expected("an operator ('and', 'or', a comparison, + - * /) or the end of the expression");
    }
    return expression;
  }

 private:
  // Deep enough for any hand-written predicate, shallow enough to never exhaust the stack.
  static constexpr int kMaxDepth = 200;

  const Token& Peek() const { return tokens_[next_]; }
  const Token& Advance() { return tokens_[next_++]; }

  bool PeekKeyword(std::string_view keyword) const {
    return Peek().kind == TokenKind::kName && EqualsIgnoringCase(Peek().text, keyword);
  }
  bool PeekSymbol(std::string_view symbol) const {
    return Peek().kind == TokenKind::kSymbol && Peek().text == symbol;
  }

  static std::string Describe(const Token& token) {
    switch (token.kind) {
      case TokenKind::kEnd:
        return "the end of the expression";
      case TokenKind::kString:
        return "string '" + token.text + "'";
      case TokenKind::kQuotedName:
        return "column \"" + token.text + "\"";
      case TokenKind::kName:
        return IsAnyKeyword(token) ? "keyword '" + token.text + "'" : "column '" + token.text + "'";
      default:
        return "'" + token.text + "'";
    }
  }

  Status Error(const std::string& message) const { return SyntaxError(input_, Peek().position, message); }
  Status Expected(const std::string& what) const {
    return Error("expected " + what + ", found " + Describe(Peek()));
  }

  Result<cp::Expression> ParseOr() {
    DEEPRC_ASSIGN_OR_RETURN(auto left, ParseAnd());
    while (PeekKeyword("or") || PeekSymbol("||")) {
      Advance();
      DEEPRC_ASSIGN_OR_RETURN(auto right, ParseAnd());
      left = cp::call("or_kleene", {std::move(left), std::move(right)});
    }
    return left;
  }

  Result<cp::Expression> ParseAnd() {
    DEEPRC_ASSIGN_OR_RETURN(auto left, ParseNot());
    while (PeekKeyword("and") || PeekSymbol("&&")) {
      Advance();
      DEEPRC_ASSIGN_OR_RETURN(auto right, ParseNot());
      left = cp::call("and_kleene", {std::move(left), std::move(right)});
    }
    return left;
  }

  Result<cp::Expression> ParseNot() {
    if (PeekKeyword("not") || PeekSymbol("!")) {
      Advance();
      DEEPRC_RETURN_NOT_OK(Enter());
      DEEPRC_ASSIGN_OR_RETURN(auto operand, ParseNot());
      --depth_;
      return cp::call("invert", {std::move(operand)});
    }
    return ParseComparison();
  }

  Result<cp::Expression> ParseComparison() {
    DEEPRC_ASSIGN_OR_RETURN(auto left, ParseSum());
    if (const char* function = ComparisonFunction(Peek())) {
      Advance();
      DEEPRC_ASSIGN_OR_RETURN(auto right, ParseSum());
      left = cp::call(function, {std::move(left), std::move(right)});
    }
    while (PeekKeyword("is")) {
      Advance();
      bool negated = false;
      if (PeekKeyword("not")) {
        Advance();
        negated = true;
      }
      if (!PeekKeyword("null"))
        return Expected(negated ? "'null' after 'is not'" : "'null' or 'not null' after 'is'");
      Advance();
      left = cp::call(negated ? "is_valid" : "is_null", {std::move(left)});
    }
    return left;
  }

  Result<cp::Expression> ParseSum() {
    DEEPRC_ASSIGN_OR_RETURN(auto left, ParseProduct());
    while (PeekSymbol("+") || PeekSymbol("-")) {
      const bool add = Advance().text == "+";
      DEEPRC_ASSIGN_OR_RETURN(auto right, ParseProduct());
      left = cp::call(add ? "add_checked" : "subtract_checked", {std::move(left), std::move(right)});
    }
    return left;
  }

  Result<cp::Expression> ParseProduct() {
    DEEPRC_ASSIGN_OR_RETURN(auto left, ParseUnary());
    while (PeekSymbol("*") || PeekSymbol("/")) {
      const bool multiply = Advance().text == "*";
      DEEPRC_ASSIGN_OR_RETURN(auto right, ParseUnary());
      if (multiply) {
        left = cp::call("multiply_checked", {std::move(left), std::move(right)});
      } else {
        // Arrow divides integers as integers; a predicate reads like Python, where 7 / 2 is 3.5.
        auto dividend = cp::call("cast", {std::move(left)}, cp::CastOptions::Safe(arrow::float64()));
        left = cp::call("divide", {std::move(dividend), std::move(right)});
      }
    }
    return left;
  }

  Result<cp::Expression> ParseUnary() {
    if (PeekSymbol("-") || PeekSymbol("+")) {
      const bool negate = Advance().text == "-";
      // Folding the sign into a number literal keeps it a literal, and lets -9223372036854775808 in.
      if (Peek().kind == TokenKind::kInteger || Peek().kind == TokenKind::kFloat) {
        return ParseNumber(Advance(), negate);
      }
      DEEPRC_RETURN_NOT_OK(Enter());
      DEEPRC_ASSIGN_OR_RETURN(auto operand, ParseUnary());
      --depth_;
      if (!negate) return operand;
      return cp::call("negate_checked", {std::move(operand)});
    }
    return ParsePrimary();
  }

  Result<cp::Expression> ParsePrimary() {
    const Token& token = Peek();
    switch (token.kind) {
      case TokenKind::kInteger:
      case TokenKind::kFloat:
        return ParseNumber(Advance(), /*negate=*/false);
      case TokenKind::kString:
        return cp::literal(std::make_shared<arrow::StringScalar>(Advance().text));
      case TokenKind::kQuotedName:
        return cp::field_ref(Advance().text);
      case TokenKind::kName:
        if (EqualsIgnoringCase(token.text, "true") || EqualsIgnoringCase(token.text, "false")) {
          return cp::literal(
              std::make_shared<arrow::BooleanScalar>(EqualsIgnoringCase(Advance().text, "true")));
        }
        if (EqualsIgnoringCase(token.text, "null")) {
          Advance();
          return cp::literal(arrow::MakeNullScalar(arrow::null()));
        }
        if (IsAnyKeyword(token)) break;
        return cp::field_ref(Advance().text);
      case TokenKind::kSymbol:
        if (token.text == "(") {
          Advance();
          DEEPRC_RETURN_NOT_OK(Enter());
          DEEPRC_ASSIGN_OR_RETURN(auto inner, ParseOr());
          --depth_;
          if (ComparisonFunction(Peek()) != nullptr)
            return Error("comparisons do not chain; combine them with 'and'");
          if (!PeekSymbol(")")) return Expected("')' or an operator");
          Advance();
          return inner;
        }
        break;
      case TokenKind::kEnd:
        break;
    }
    return Expected("a value (a column, a literal or '(')");
  }

  Result<cp::Expression> ParseNumber(const Token& token, bool negate) {
    if (token.kind == TokenKind::kFloat) {
      double value = 0;
      auto [end, error] = std::from_chars(token.text.data(), token.text.data() + token.text.size(), value);
      if (error != std::errc() || end != token.text.data() + token.text.size()) {
        return SyntaxError(input_, token.position, "number " + token.text + " is out of range for float64");
      }
      return cp::literal(std::make_shared<arrow::DoubleScalar>(negate ? -value : value));
    }
    uint64_t magnitude = 0;
    auto [end, error] = std::from_chars(token.text.data(), token.text.data() + token.text.size(), magnitude);
    constexpr uint64_t kInt64Max = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
    if (error != std::errc() || end != token.text.data() + token.text.size() ||
        (negate && magnitude > kInt64Max + 1)) {
      return SyntaxError(input_, token.position,
                         "integer " + std::string(negate ? "-" : "") + token.text + " is out of range");
    }
    if (negate) {
      // Two's complement: negating in uint64 then converting gives INT64_MIN for 2^63.
      return cp::literal(std::make_shared<arrow::Int64Scalar>(static_cast<int64_t>(~magnitude + 1)));
    }
    if (magnitude > kInt64Max) return cp::literal(std::make_shared<arrow::UInt64Scalar>(magnitude));
    return cp::literal(std::make_shared<arrow::Int64Scalar>(static_cast<int64_t>(magnitude)));
  }

  Status Enter() {
    if (++depth_ > kMaxDepth) return Error("the expression nests more than 200 levels deep");
    return Status::OK();
  }

  std::string_view input_;
  std::vector<Token> tokens_;
  size_t next_ = 0;
  int depth_ = 0;
};

}  // namespace

Result<arrow::compute::Expression> ParseExpression(std::string_view text) {
  DEEPRC_ASSIGN_OR_RETURN(auto tokens, Tokenize(text));
  if (tokens.size() == 1) return SyntaxError(text, 0, "the expression is empty");
  return Parser(text, std::move(tokens)).Parse();
}

}  // namespace deeprc
