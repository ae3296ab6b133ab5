// Feeds arbitrary bytes to the sock_diag answer parser, as a corrupted netlink reply could, and
// checks what attribution relies on: an owner only comes from a whole, matching answer.
// Sanitizers catch any read out of bounds.
#include <cstddef>
#include <cstdint>
#include <span>

#include "daemon/attribution/sock_diag_message.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // The first 8 bytes choose the sequence and port the answer must match, so matching
    // answers are reachable from the corpus.
    if (size < 8) {
        return 0;
    }
    const auto word = [&](std::size_t at) {
        return static_cast<std::uint32_t>(data[at]) |
               static_cast<std::uint32_t>(data[at + 1]) << 8 |
               static_cast<std::uint32_t>(data[at + 2]) << 16 |
               static_cast<std::uint32_t>(data[at + 3]) << 24;
    };
    const std::span<const std::uint8_t> answer(data + 8, size - 8);
    const auto parsed = sluice::parse_sock_diag_answer(answer, word(0), word(4));
    // netlink header (16) + inet_diag_msg (72) at the least for an owner.
    if (parsed.ok() && parsed->has_value() && answer.size() < 16 + 72) {
        __builtin_trap();
    }
    return 0;
}
