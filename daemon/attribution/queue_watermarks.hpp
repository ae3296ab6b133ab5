#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/base/fd.hpp"

namespace sluice {

// The id_sequence column of /proc/net/netfilter/nfnetlink_queue for queue `queue_number`: the
// last packet id the kernel handed out on it. nullopt when the queue is not listed.
std::optional<std::uint32_t> parse_queue_id_sequence(std::string_view text,
                                                     std::uint32_t queue_number);

// Moments at which the kernel had numbered packets up to some id on our NFQUEUE: a packet
// with a higher id was queued after that moment. This bounds from below when a packet whose
// socket is already gone was sent, so that only processes that exited after it can have sent
// it. Keeps the last few observations; one owning thread.
class QueueWatermarks {
  public:
    using TimePoint = std::chrono::steady_clock::time_point;
    static constexpr const char* kDefaultProcFile = "/proc/net/netfilter/nfnetlink_queue";

    QueueWatermarks(std::uint32_t queue_number, const std::string& proc_file = kDefaultProcFile);

    // Reads the queue's id_sequence (one pread, a few microseconds) and records it with `now`.
    void observe(TimePoint now);
    // The latest observed moment before which packet `packet_id` had not been queued.
    [[nodiscard]] std::optional<TimePoint> queued_after(std::uint32_t packet_id) const;
    // Records an observation directly (tests, or a caller that knows the id sequence).
    void record(TimePoint at, std::uint32_t id_sequence);

  private:
    struct Watermark {
        TimePoint at;
        std::uint32_t id_sequence;
    };

    std::uint32_t queue_number_;
    Fd file_;
    std::deque<Watermark> marks_;  // oldest first
};

}  // namespace sluice
