#include "daemon/attribution/process_stat.hpp"

#include <charconv>

namespace sluice {

namespace {

template <typename T>
std::optional<T> parse_number(std::string_view text) {
    T value{};
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}

// Splits off the next space-separated field of `rest`.
std::string_view next_field(std::string_view& rest) {
    const std::size_t begin = rest.find_first_not_of(' ');
    if (begin == std::string_view::npos) {
        rest = {};
        return {};
    }
    rest.remove_prefix(begin);
    const std::size_t end = std::min(rest.find(' '), rest.size());
    const std::string_view field = rest.substr(0, end);
    rest.remove_prefix(end);
    return field;
}

}  // namespace

std::optional<ProcessStat> parse_process_stat(std::string_view text) {
    const std::size_t open = text.find(" (");
    const std::size_t close = text.rfind(')');
    if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
        return std::nullopt;
    }
    const auto pid = parse_number<std::uint32_t>(text.substr(0, open));
    if (!pid) {
        return std::nullopt;
    }
    std::string_view rest = text.substr(close + 1);
    if (!rest.empty() && rest.back() == '\n') {
        rest.remove_suffix(1);
    }
    ProcessStat stat;
    stat.pid = *pid;
    // Field 3 is the state; fields are 1-based, counting pid and comm.
    for (int field = 3; field <= 22; ++field) {
        const std::string_view value = next_field(rest);
        if (value.empty()) {
            return std::nullopt;
        }
        if (field == 3) {
            if (value.size() != 1) {
                return std::nullopt;
            }
            stat.state = value.front();
        } else if (field == 4) {
            const auto ppid = parse_number<std::uint32_t>(value);
            if (!ppid) {
                return std::nullopt;
            }
            stat.ppid = *ppid;
        } else if (field == 9) {
            const auto flags = parse_number<std::uint32_t>(value);
            if (!flags) {
                return std::nullopt;
            }
            stat.flags = *flags;
        } else if (field == 22) {
            const auto start_time = parse_number<std::uint64_t>(value);
            if (!start_time) {
                return std::nullopt;
            }
            stat.start_time = *start_time;
        }
    }
    return stat;
}

}  // namespace sluice
