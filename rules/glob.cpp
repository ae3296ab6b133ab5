#include "rules/glob.hpp"

namespace sluice {

std::optional<Glob> Glob::parse(std::string_view pattern, std::string* error) {
    auto fail = [&](std::string message) -> std::optional<Glob> {
        if (error != nullptr) {
            *error = std::move(message);
        }
        return std::nullopt;
    };
    if (pattern.empty()) {
        return fail("pattern is empty");
    }
    if (pattern.find('\0') != std::string_view::npos) {
        return fail("pattern contains a NUL character");
    }
    Glob glob;
    glob.pattern_ = std::string(pattern);
    glob.tokens_.reserve(pattern.size());
    for (std::size_t i = 0; i < pattern.size();) {
        if (pattern[i] != '*') {
            glob.tokens_.push_back({TokenKind::kLiteral, pattern[i]});
            ++i;
            continue;
        }
        std::size_t stars = 0;
        while (i + stars < pattern.size() && pattern[i + stars] == '*') {
            ++stars;
        }
        if (stars > 2) {
            return fail("'" + std::string(pattern) +
                        "' has '***'; use '*' within a path component or '**' across them");
        }
        glob.has_wildcards_ = true;
        const bool after_slash = !glob.tokens_.empty() &&
                                 glob.tokens_.back().kind == TokenKind::kLiteral &&
                                 glob.tokens_.back().literal == '/';
        const bool before_slash = i + stars < pattern.size() && pattern[i + stars] == '/';
        if (stars == 2 && after_slash && before_slash) {
            // "/**/": the '/' after '**' is part of the token, which matches "" or "x/y/".
            glob.tokens_.push_back({TokenKind::kDirectories, 0});
            i += stars + 1;
        } else {
            glob.tokens_.push_back({stars == 2 ? TokenKind::kDoubleStar : TokenKind::kStar, 0});
            i += stars;
        }
    }
    return glob;
}

bool Glob::matches(std::string_view text) const {
    if (!has_wildcards_) {
        return text == pattern_;
    }
    // reach[j]: the tokens seen so far match text[0, j).
    const std::size_t size = text.size();
    std::vector<char> reach(size + 1, 0);
    std::vector<char> next(size + 1, 0);
    reach[0] = 1;
    for (const Token& token : tokens_) {
        bool any = false;
        switch (token.kind) {
            case TokenKind::kLiteral:
                next[0] = 0;
                for (std::size_t j = 0; j < size; ++j) {
                    next[j + 1] = static_cast<char>(reach[j] && text[j] == token.literal);
                    any = any || next[j + 1];
                }
                break;
            case TokenKind::kStar:
                next[0] = reach[0];
                any = next[0];
                for (std::size_t j = 1; j <= size; ++j) {
                    next[j] = static_cast<char>(reach[j] || (next[j - 1] && text[j - 1] != '/'));
                    any = any || next[j];
                }
                break;
            case TokenKind::kDoubleStar:
                next[0] = reach[0];
                any = next[0];
                for (std::size_t j = 1; j <= size; ++j) {
                    next[j] = static_cast<char>(reach[j] || next[j - 1]);
                    any = any || next[j];
                }
                break;
            case TokenKind::kDirectories: {
                // Empty, or anything that ends in '/': whole components including their slash.
                bool reached_before = false;
                for (std::size_t j = 0; j <= size; ++j) {
                    next[j] = static_cast<char>(reach[j] || (reached_before && text[j - 1] == '/'));
                    reached_before = reached_before || reach[j];
                    any = any || next[j];
                }
                break;
            }
        }
        if (!any) {
            return false;
        }
        reach.swap(next);
    }
    return reach[size] != 0;
}

}  // namespace sluice
