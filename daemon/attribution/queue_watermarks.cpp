#include "daemon/attribution/queue_watermarks.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <charconv>

namespace sluice {

namespace {

constexpr std::size_t kMaxWatermarks = 64;
constexpr int kIdSequenceColumn = 7;  // queue portid total mode range dropped user_dropped id

template <typename T>
std::optional<T> parse_number(std::string_view text) {
    T value{};
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}

}  // namespace

std::optional<std::uint32_t> parse_queue_id_sequence(std::string_view text,
                                                     std::uint32_t queue_number) {
    while (!text.empty()) {
        const std::size_t end = std::min(text.find('\n'), text.size());
        std::string_view line = text.substr(0, end);
        text.remove_prefix(std::min(end + 1, text.size()));
        std::optional<std::uint32_t> queue;
        for (int column = 0; column <= kIdSequenceColumn; ++column) {
            const std::size_t begin = line.find_first_not_of(' ');
            if (begin == std::string_view::npos) {
                break;
            }
            line.remove_prefix(begin);
            const std::size_t stop = std::min(line.find(' '), line.size());
            const std::string_view field = line.substr(0, stop);
            line.remove_prefix(stop);
            if (column == 0) {
                queue = parse_number<std::uint32_t>(field);
                if (queue != queue_number) {
                    break;
                }
            } else if (column == kIdSequenceColumn) {
                return parse_number<std::uint32_t>(field);
            }
        }
    }
    return std::nullopt;
}

QueueWatermarks::QueueWatermarks(std::uint32_t queue_number, const std::string& proc_file)
    : queue_number_(queue_number), file_(::open(proc_file.c_str(), O_RDONLY | O_CLOEXEC)) {}

void QueueWatermarks::record(TimePoint at, std::uint32_t id_sequence) {
    if (!marks_.empty() && marks_.back().id_sequence == id_sequence) {
        // Nothing queued since: the later moment is the stronger bound.
        marks_.back().at = at;
        return;
    }
    marks_.push_back({at, id_sequence});
    if (marks_.size() > kMaxWatermarks) {
        marks_.pop_front();
    }
}

void QueueWatermarks::observe(TimePoint now) {
    if (!file_) {
        return;
    }
    std::array<char, 4096> buffer{};
    // seq_file regenerates the text for a read at offset 0, so one descriptor serves forever.
    const ssize_t length = ::pread(file_.get(), buffer.data(), buffer.size(), 0);
    if (length <= 0) {
        return;
    }
    if (const auto sequence = parse_queue_id_sequence(
            std::string_view(buffer.data(), static_cast<std::size_t>(length)), queue_number_)) {
        record(now, *sequence);
    }
}

std::optional<QueueWatermarks::TimePoint> QueueWatermarks::queued_after(
    std::uint32_t packet_id) const {
    for (auto it = marks_.rbegin(); it != marks_.rend(); ++it) {
        // Ids wrap around at 2^32; compare by signed distance.
        if (static_cast<std::int32_t>(packet_id - it->id_sequence) > 0) {
            return it->at;
        }
    }
    return std::nullopt;
}

}  // namespace sluice
