#include "rules/timestamp.hpp"

#include <cstdint>
#include <cstdio>

namespace sluice {

namespace {

constexpr int kFirstYear = 1970;
constexpr int kLastYear = 2200;
constexpr int kMaxFractionDigits = 9;

// Reads exactly `count` decimal digits at `pos`, advancing it.
std::optional<int> digits(std::string_view text, std::size_t& pos, std::size_t count) {
    if (pos + count > text.size()) {
        return std::nullopt;
    }
    int value = 0;
    for (std::size_t i = 0; i < count; ++i) {
        const char c = text[pos + i];
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        value = value * 10 + (c - '0');
    }
    pos += count;
    return value;
}

bool expect(std::string_view text, std::size_t& pos, char wanted) {
    if (pos < text.size() && text[pos] == wanted) {
        ++pos;
        return true;
    }
    return false;
}

}  // namespace

std::optional<TimePoint> parse_timestamp(std::string_view text) {
    using namespace std::chrono;
    std::size_t pos = 0;
    const auto year_value = digits(text, pos, 4);
    if (!year_value || !expect(text, pos, '-')) {
        return std::nullopt;
    }
    const auto month_value = digits(text, pos, 2);
    if (!month_value || !expect(text, pos, '-')) {
        return std::nullopt;
    }
    const auto day_value = digits(text, pos, 2);
    if (!day_value || !(expect(text, pos, 'T') || expect(text, pos, 't'))) {
        return std::nullopt;
    }
    const auto hour_value = digits(text, pos, 2);
    if (!hour_value || !expect(text, pos, ':')) {
        return std::nullopt;
    }
    const auto minute_value = digits(text, pos, 2);
    if (!minute_value || !expect(text, pos, ':')) {
        return std::nullopt;
    }
    const auto second_value = digits(text, pos, 2);
    if (!second_value) {
        return std::nullopt;
    }
    std::int64_t fraction_ns = 0;
    if (expect(text, pos, '.')) {
        int fraction_digits = 0;
        std::int64_t scale = 100'000'000;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
            if (++fraction_digits > kMaxFractionDigits) {
                return std::nullopt;
            }
            fraction_ns += (text[pos] - '0') * scale;
            scale /= 10;
            ++pos;
        }
        if (fraction_digits == 0) {
            return std::nullopt;
        }
    }
    int offset_minutes = 0;
    if (!(expect(text, pos, 'Z') || expect(text, pos, 'z'))) {
        int sign = 1;
        if (expect(text, pos, '-')) {
            sign = -1;
        } else if (!expect(text, pos, '+')) {
            return std::nullopt;
        }
        const auto offset_hours = digits(text, pos, 2);
        if (!offset_hours || !expect(text, pos, ':')) {
            return std::nullopt;
        }
        const auto offset_mins = digits(text, pos, 2);
        if (!offset_mins || *offset_hours > 23 || *offset_mins > 59) {
            return std::nullopt;
        }
        offset_minutes = sign * (*offset_hours * 60 + *offset_mins);
    }
    if (pos != text.size()) {
        return std::nullopt;
    }
    // RFC 3339 allows second 60 for leap seconds; system_clock has no such instant.
    if (*year_value < kFirstYear || *year_value > kLastYear || *hour_value > 23 ||
        *minute_value > 59 || *second_value > 59) {
        return std::nullopt;
    }
    const year_month_day date{year{*year_value}, month{static_cast<unsigned>(*month_value)},
                              day{static_cast<unsigned>(*day_value)}};
    if (!date.ok()) {
        return std::nullopt;
    }
    const auto time = sys_days{date} + hours{*hour_value} + minutes{*minute_value} +
                      seconds{*second_value} - minutes{offset_minutes};
    return time_point_cast<system_clock::duration>(time) +
           duration_cast<system_clock::duration>(nanoseconds{fraction_ns});
}

std::string format_timestamp(TimePoint time) {
    using namespace std::chrono;
    const auto day_start = floor<days>(time);
    const year_month_day date{day_start};
    const hh_mm_ss clock{floor<nanoseconds>(time - day_start)};
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02d:%02d:%02d",
                  static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                  static_cast<unsigned>(date.day()), static_cast<int>(clock.hours().count()),
                  static_cast<int>(clock.minutes().count()),
                  static_cast<int>(clock.seconds().count()));
    std::string out = buffer;
    auto fraction = clock.subseconds().count();
    if (fraction != 0) {
        int width = kMaxFractionDigits;
        while (fraction % 10 == 0) {
            fraction /= 10;
            --width;
        }
        std::snprintf(buffer, sizeof buffer, ".%0*lld", width, static_cast<long long>(fraction));
        out += buffer;
    }
    return out + "Z";
}

}  // namespace sluice
