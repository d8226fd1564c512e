#include "deeprc/table/ops/expression_parser.h"

#include <arrow/compute/api.h>
#include <arrow/scalar.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace deeprc::table {
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

// An expression with the depth of its tree. Arrow binds, simplifies and evaluates an expression
// by recursion, one frame per level, so it is the depth of the tree that must stay bounded:
// `k>1 or k>1 or ...` nests no parenthesis but, built left to right, is one level per term.
struct Node {
  cp::Expression expression;
  int depth = 1;
};

// The operands of a chain such as `a - b + c`, each with the operator before it.
struct Chain {
  std::vector<Node> operands;
  std::vector<bool> inverted;    // preceded by the inverse operator (`-` in a sum)
  std::vector<size_t> position;  // of that operator, for errors
};

class Parser {
 public:
  Parser(std::string_view input, std::vector<Token> tokens) : input_(input), tokens_(std::move(tokens)) {}

  Result<cp::Expression> Parse() {
    DEEPRC_ASSIGN_OR_RETURN(auto node, ParseOr());
    if (ComparisonFunction(Peek()) != nullptr) {
      return Error("comparisons do not chain; combine them with 'and'");
    }
    if (Peek().kind != TokenKind::kEnd) {
      return Expected("an operator ('and', 'or', a comparison, + - * /) or the end of the expression");
    }
    return std::move(node.expression);
  }

 private:
  // Deep enough for any hand-written predicate, shallow enough to never exhaust the stack, in
  // the parser (parentheses, signs, `not`) and in Arrow (the tree as built).
  static constexpr int kMaxDepth = kMaxExpressionDepth;
  // Chains of `or`, `and` and `+`/`-` up to this many operands are built as written, left to
  // right; longer ones pairwise, so that 20,000 terms are 16 levels deep rather than 20,000.
  static constexpr size_t kMaxLeftChain = 64;

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
  Status TooDeep(size_t position) const {
    return SyntaxError(input_, position,
                       "the expression nests more than " + std::to_string(kMaxDepth) +
                           " levels deep (each parenthesis, sign, 'not', 'is null' and each operand of a "
                           "chain of '*' and '/' counts one)");
  }

  // `function(operands...)`, one level above its deepest operand; refused past kMaxDepth.
  Result<Node> Call(const char* function, std::vector<Node> operands, size_t position,
                    std::shared_ptr<cp::FunctionOptions> options = nullptr) {
    int depth = 0;
    std::vector<cp::Expression> arguments;
    for (auto& operand : operands) {
      depth = std::max(depth, operand.depth);
      arguments.push_back(std::move(operand.expression));
    }
    if (depth + 1 > kMaxDepth) return TooDeep(position);
    return Node{cp::call(function, std::move(arguments), std::move(options)), depth + 1};
  }

  // Joins a chain with `function` (`inverse` before an inverted operand). Short chains go left
  // to right, as written; long ones pairwise. Both give the same value: and/or are associative,
  // and a sum regrouped keeps each term's sign (a - b - c + d = (a - b) - (c - d)). Only float
  // rounding, and which partial sum of integers overflows, can differ past kMaxLeftChain terms.
  Result<Node> Join(Chain chain, const char* function, const char* inverse) {
    if (chain.operands.size() <= kMaxLeftChain) {
      Node left = std::move(chain.operands[0]);
      for (size_t i = 1; i < chain.operands.size(); ++i) {
        DEEPRC_ASSIGN_OR_RETURN(left, Call(chain.inverted[i] ? inverse : function,
                                           {std::move(left), std::move(chain.operands[i])}, chain.position[i]));
      }
      return left;
    }
    return Pairwise(chain, 0, chain.operands.size(), function, inverse);
  }

  // The operands [begin, end) with signs relative to the first one's: the right half joins the
  // left with `inverse` when its first operand's sign differs from the left half's.
  Result<Node> Pairwise(Chain& chain, size_t begin, size_t end, const char* function, const char* inverse) {
    if (end - begin == 1) return std::move(chain.operands[begin]);
    const size_t middle = begin + (end - begin) / 2;
    DEEPRC_ASSIGN_OR_RETURN(auto left, Pairwise(chain, begin, middle, function, inverse));
    DEEPRC_ASSIGN_OR_RETURN(auto right, Pairwise(chain, middle, end, function, inverse));
    const bool differs = chain.inverted[middle] != chain.inverted[begin];
    return Call(differs ? inverse : function, {std::move(left), std::move(right)}, chain.position[middle]);
  }

  Result<Node> ParseOr() {
    Chain chain;
    chain.position.push_back(Peek().position);
    DEEPRC_ASSIGN_OR_RETURN(auto first, ParseAnd());
    chain.operands.push_back(std::move(first));
    while (PeekKeyword("or") || PeekSymbol("||")) {
      chain.position.push_back(Advance().position);
      DEEPRC_ASSIGN_OR_RETURN(auto operand, ParseAnd());
      chain.operands.push_back(std::move(operand));
    }
    chain.inverted.assign(chain.operands.size(), false);
    return Join(std::move(chain), "or_kleene", "or_kleene");
  }

  Result<Node> ParseAnd() {
    Chain chain;
    chain.position.push_back(Peek().position);
    DEEPRC_ASSIGN_OR_RETURN(auto first, ParseNot());
    chain.operands.push_back(std::move(first));
    while (PeekKeyword("and") || PeekSymbol("&&")) {
      chain.position.push_back(Advance().position);
      DEEPRC_ASSIGN_OR_RETURN(auto operand, ParseNot());
      chain.operands.push_back(std::move(operand));
    }
    chain.inverted.assign(chain.operands.size(), false);
    return Join(std::move(chain), "and_kleene", "and_kleene");
  }

  Result<Node> ParseNot() {
    if (PeekKeyword("not") || PeekSymbol("!")) {
      const size_t position = Advance().position;
      DEEPRC_RETURN_NOT_OK(Enter());
      DEEPRC_ASSIGN_OR_RETURN(auto operand, ParseNot());
      --depth_;
      return Call("invert", {std::move(operand)}, position);
    }
    return ParseComparison();
  }

  Result<Node> ParseComparison() {
    DEEPRC_ASSIGN_OR_RETURN(auto left, ParseSum());
    if (const char* function = ComparisonFunction(Peek())) {
      const size_t position = Advance().position;
      DEEPRC_ASSIGN_OR_RETURN(auto right, ParseSum());
      DEEPRC_ASSIGN_OR_RETURN(left, Call(function, {std::move(left), std::move(right)}, position));
    }
    while (PeekKeyword("is")) {
      const size_t position = Advance().position;
      bool negated = false;
      if (PeekKeyword("not")) {
        Advance();
        negated = true;
      }
      if (!PeekKeyword("null"))
        return Expected(negated ? "'null' after 'is not'" : "'null' or 'not null' after 'is'");
      Advance();
      DEEPRC_ASSIGN_OR_RETURN(left, Call(negated ? "is_valid" : "is_null", {std::move(left)}, position));
    }
    return left;
  }

  Result<Node> ParseSum() {
    Chain chain;
    chain.position.push_back(Peek().position);
    chain.inverted.push_back(false);
    DEEPRC_ASSIGN_OR_RETURN(auto first, ParseProduct());
    chain.operands.push_back(std::move(first));
    while (PeekSymbol("+") || PeekSymbol("-")) {
      chain.position.push_back(Peek().position);
      chain.inverted.push_back(Advance().text == "-");
      DEEPRC_ASSIGN_OR_RETURN(auto operand, ParseProduct());
      chain.operands.push_back(std::move(operand));
    }
    return Join(std::move(chain), "add_checked", "subtract_checked");
  }

  // Products stay left to right at any length: regrouping a / b / c as a / (b * c) would
  // multiply integers that the division never would. A long chain meets kMaxDepth instead.
  Result<Node> ParseProduct() {
    DEEPRC_ASSIGN_OR_RETURN(auto left, ParseUnary());
    while (PeekSymbol("*") || PeekSymbol("/")) {
      const size_t position = Peek().position;
      const bool multiply = Advance().text == "*";
      DEEPRC_ASSIGN_OR_RETURN(auto right, ParseUnary());
      if (multiply) {
        DEEPRC_ASSIGN_OR_RETURN(left, Call("multiply_checked", {std::move(left), std::move(right)}, position));
      } else {
        // Arrow divides integers as integers; a predicate reads like Python, where 7 / 2 is 3.5.
        DEEPRC_ASSIGN_OR_RETURN(auto dividend, Call("cast", {std::move(left)}, position,
                                                    std::make_shared<cp::CastOptions>(
                                                        cp::CastOptions::Safe(arrow::float64()))));
        DEEPRC_ASSIGN_OR_RETURN(left, Call("divide", {std::move(dividend), std::move(right)}, position));
      }
    }
    return left;
  }

  Result<Node> ParseUnary() {
    if (PeekSymbol("-") || PeekSymbol("+")) {
      const size_t position = Peek().position;
      const bool negate = Advance().text == "-";
      // Folding the sign into a number literal keeps it a literal, and lets -9223372036854775808 in.
      if (Peek().kind == TokenKind::kInteger || Peek().kind == TokenKind::kFloat) {
        DEEPRC_ASSIGN_OR_RETURN(auto number, ParseNumber(Advance(), negate));
        return Node{std::move(number)};
      }
      DEEPRC_RETURN_NOT_OK(Enter());
      DEEPRC_ASSIGN_OR_RETURN(auto operand, ParseUnary());
      --depth_;
      if (!negate) return operand;
      return Call("negate_checked", {std::move(operand)}, position);
    }
    return ParsePrimary();
  }

  Result<Node> ParsePrimary() {
    const Token& token = Peek();
    switch (token.kind) {
      case TokenKind::kInteger:
      case TokenKind::kFloat: {
        DEEPRC_ASSIGN_OR_RETURN(auto number, ParseNumber(Advance(), /*negate=*/false));
        return Node{std::move(number)};
      }
      case TokenKind::kString:
        return Node{cp::literal(std::make_shared<arrow::StringScalar>(Advance().text))};
      case TokenKind::kQuotedName:
        return Node{cp::field_ref(Advance().text)};
      case TokenKind::kName:
        if (EqualsIgnoringCase(token.text, "true") || EqualsIgnoringCase(token.text, "false")) {
          return Node{cp::literal(
              std::make_shared<arrow::BooleanScalar>(EqualsIgnoringCase(Advance().text, "true")))};
        }
        if (EqualsIgnoringCase(token.text, "null")) {
          Advance();
          return Node{cp::literal(arrow::MakeNullScalar(arrow::null()))};
        }
        if (IsAnyKeyword(token)) break;
        return Node{cp::field_ref(Advance().text)};
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

  // The parser's own recursion (parentheses, signs, `not`), bounded before the tree is built.
  Status Enter() {
    if (++depth_ > kMaxDepth) return TooDeep(Peek().position);
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

}  // namespace deeprc::table
