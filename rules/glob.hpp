#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice {

// A path pattern for `process` and `unit`. '*' matches any run of characters within one path
// component (never '/'); '**' matches any run including '/'; "/**/" also matches a single '/',
// so "/usr/**/firefox" matches "/usr/firefox" as in gitignore. Every other character is
// literal: there is no '?', '[...]' or escaping, because exe paths rarely need them and a
// smaller language has fewer surprises. Matching is linear in pattern size times text size.
class Glob {
  public:
    // Rejects an empty pattern, runs of three or more '*' and NUL characters.
    static std::optional<Glob> parse(std::string_view pattern, std::string* error = nullptr);

    [[nodiscard]] bool matches(std::string_view text) const;
    [[nodiscard]] const std::string& pattern() const { return pattern_; }
    [[nodiscard]] bool has_wildcards() const { return has_wildcards_; }
    // The tokens follow from the pattern, so equal patterns are equal globs.
    friend bool operator==(const Glob& a, const Glob& b) { return a.pattern_ == b.pattern_; }

  private:
    enum class TokenKind : std::uint8_t { kLiteral, kStar, kDoubleStar, kDirectories };
    struct Token {
        TokenKind kind = TokenKind::kLiteral;
        char literal = 0;
    };

    std::string pattern_;
    std::vector<Token> tokens_;
    bool has_wildcards_ = false;
};

}  // namespace sluice
