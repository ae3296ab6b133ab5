#pragma once

#include <memory>

#include "daemon/attribution/dns_answer_source.hpp"
#include "daemon/attribution/dns_cache.hpp"
#include "daemon/attribution_source.hpp"
#include "daemon/base/result.hpp"
#include "daemon/clock.hpp"
#include "daemon/config.hpp"

namespace sluice {

// Opens the answer source dns.observer names: "packet" (and "auto") the AF_PACKET ring;
// "queue" and "nflog" are not built yet and give an Error saying so; "off" gives nullptr.
Result<std::unique_ptr<DnsAnswerSource>> open_dns_answer_source(DnsObserver observer);

// Attribution that adds host names: drains the DNS answer source, then lets `next` attribute
// the process, then fills Connection::host_names from the cache by the remote address.
// Draining before every decision is what makes a connection opened right after its answer
// see the name. Queue thread only; compiled into the daemon core because it joins the core's
// AttributionSource interface to the DNS pieces of the attribution module.
class DnsAttribution final : public AttributionSource {
  public:
    DnsAttribution(AttributionSource& next, std::unique_ptr<DnsAnswerSource> answers,
                   DnsCache::Limits limits, const Clock& clock);

    void attribute(const QueuedPacket& packet, Connection& connection) noexcept override;
    // For the event loop when the answer source's fd is readable.
    void drain() noexcept;

    // -1 when there is no answer source.
    [[nodiscard]] int answers_fd() const { return answers_ ? answers_->fd() : -1; }
    [[nodiscard]] const DnsCache& cache() const { return cache_; }

  private:
    AttributionSource& next_;
    std::unique_ptr<DnsAnswerSource> answers_;
    DnsCache cache_;
    const Clock& clock_;
};

}  // namespace sluice
