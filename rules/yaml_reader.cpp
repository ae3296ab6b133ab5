#include "rules/yaml_reader.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "rules/duration.hpp"

namespace sluice {

namespace {

std::string quote(std::string_view text) {
    return "'" + std::string(text) + "'";
}

std::string join(std::initializer_list<std::string_view> items) {
    std::string out;
    for (const auto& item : items) {
        if (!out.empty()) {
            out += ", ";
        }
        out += item;
    }
    return out;
}

}  // namespace

YamlReader::YamlReader(std::string file_name, Diagnostics& diagnostics)
    : file_name_(std::move(file_name)),
      diagnostics_(diagnostics),
      first_error_(diagnostics.size()) {}

std::optional<YAML::Node> YamlReader::parse(std::string_view text) {
    try {
        return YAML::Load(std::string(text));
    } catch (const YAML::ParserException& e) {
        error(e.mark, e.msg);
    } catch (const YAML::Exception& e) {
        error(e.mark, e.msg);
    }
    return std::nullopt;
}

void YamlReader::error(const YAML::Node& at, std::string message) {
    error(at.IsDefined() ? at.Mark() : YAML::Mark::null_mark(), std::move(message));
}

void YamlReader::error(const YAML::Mark& at, std::string message) {
    const bool known = !at.is_null();
    diagnostics_.push_back(Diagnostic{file_name_, known ? at.line + 1 : 0,
                                      known ? at.column + 1 : 0, std::move(message)});
}

bool YamlReader::check_mapping(const YAML::Node& node,
                               std::initializer_list<std::string_view> known_keys,
                               std::string_view what) {
    return check_mapping(node, std::vector<std::string_view>(known_keys), what);
}

bool YamlReader::check_mapping(const YAML::Node& node,
                               const std::vector<std::string_view>& known_keys,
                               std::string_view what) {
    if (!node.IsMap()) {
        error(node, std::string(what) + " must be a mapping of keys to values");
        return false;
    }
    std::set<std::string, std::less<>> seen;
    bool clean = true;
    for (const auto& entry : node) {
        if (!entry.first.IsScalar()) {
            error(entry.first, "keys of " + std::string(what) + " must be plain names");
            clean = false;
            continue;
        }
        const auto& key = entry.first.Scalar();
        if (std::find(known_keys.begin(), known_keys.end(), key) == known_keys.end()) {
            error(entry.first, "unknown key " + quote(key) + " in " + std::string(what));
            clean = false;
        } else if (!seen.insert(key).second) {
            error(entry.first, "duplicate key " + quote(key) + " in " + std::string(what));
            clean = false;
        }
    }
    return clean;
}

std::optional<std::string> YamlReader::string(const YAML::Node& node, std::string_view key) {
    if (!node.IsScalar()) {
        error(node, quote(key) + " must be a single value");
        return std::nullopt;
    }
    return node.Scalar();
}

std::optional<bool> YamlReader::boolean(const YAML::Node& node, std::string_view key) {
    if (node.IsScalar() && node.Tag() != "!") {
        const auto& text = node.Scalar();
        if (text == "true") {
            return true;
        }
        if (text == "false") {
            return false;
        }
    }
    error(node, quote(key) + " must be true or false");
    return std::nullopt;
}

std::optional<std::int64_t> YamlReader::integer(const YAML::Node& node, std::string_view key,
                                                std::int64_t min, std::int64_t max) {
    const std::string range = std::to_string(min) + " to " + std::to_string(max);
    if (!node.IsScalar()) {
        error(node, quote(key) + " must be an integer from " + range);
        return std::nullopt;
    }
    const auto& text = node.Scalar();
    std::int64_t value = 0;
    int base = 10;
    std::size_t skip = 0;
    if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        base = 16;
        skip = 2;
    }
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data() + skip, end, value, base);
    if (text.size() == skip || ec != std::errc{} || ptr != end) {
        error(node, quote(key) + " must be an integer from " + range + ", not " + quote(text));
        return std::nullopt;
    }
    if (value < min || value > max) {
        error(node, quote(key) + " is " + text + ", out of range " + range);
        return std::nullopt;
    }
    return value;
}

std::optional<std::chrono::milliseconds> YamlReader::duration(const YAML::Node& node,
                                                              std::string_view key) {
    if (node.IsScalar()) {
        if (auto parsed = parse_duration(node.Scalar())) {
            return parsed;
        }
    }
    error(node, quote(key) + " must be a duration such as 500ms, 20s, 5m, 1h or 7d" +
                    (node.IsScalar() ? ", not " + quote(node.Scalar()) : std::string()));
    return std::nullopt;
}

std::optional<std::vector<YAML::Node>> YamlReader::scalar_list(const YAML::Node& node,
                                                               std::string_view key) {
    if (node.IsScalar()) {
        return std::vector<YAML::Node>{node};
    }
    if (node.IsSequence()) {
        std::vector<YAML::Node> items;
        bool clean = true;
        for (const auto& item : node) {
            if (!item.IsScalar()) {
                error(item, "items of " + quote(key) + " must be single values");
                clean = false;
                continue;
            }
            items.push_back(item);
        }
        if (items.empty() && clean) {
            error(node, quote(key) + " must not be an empty list");
            return std::nullopt;
        }
        if (!clean) {
            return std::nullopt;
        }
        return items;
    }
    error(node, quote(key) + " must be a value or a list of values");
    return std::nullopt;
}

std::optional<std::string> YamlReader::choice(const YAML::Node& node, std::string_view key,
                                              std::initializer_list<std::string_view> choices) {
    if (node.IsScalar()) {
        const auto& text = node.Scalar();
        if (std::find(choices.begin(), choices.end(), text) != choices.end()) {
            return text;
        }
        error(node, quote(key) + " must be one of " + join(choices) + ", not " + quote(text));
        return std::nullopt;
    }
    error(node, quote(key) + " must be one of " + join(choices));
    return std::nullopt;
}

std::optional<std::string> read_text_file(const std::string& path, Diagnostics& diagnostics) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        diagnostics.push_back(
            Diagnostic{path, 0, 0, std::string("cannot read file: ") + std::strerror(errno)});
        return std::nullopt;
    }
    std::ostringstream content;
    content << in.rdbuf();
    return content.str();
}

}  // namespace sluice
