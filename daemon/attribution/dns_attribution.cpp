#include "daemon/attribution/dns_attribution.hpp"

#include "daemon/attribution/dns_packet_observer.hpp"

namespace sluice {

Result<std::unique_ptr<DnsAnswerSource>> open_dns_answer_source(DnsObserver observer) {
    switch (observer) {
        case DnsObserver::kAuto:
        case DnsObserver::kPacket: {
            auto opened = DnsPacketObserver::open();
            if (!opened) {
                return opened.error();
            }
            return std::unique_ptr<DnsAnswerSource>(std::move(*opened));
        }
        case DnsObserver::kQueue:
        case DnsObserver::kNflog:
            return Error{"dns.observer " + std::string(to_string(observer)) +
                         " is not available in this version; use packet (the default)"};
        case DnsObserver::kOff:
            break;
    }
    return std::unique_ptr<DnsAnswerSource>();
}

DnsAttribution::DnsAttribution(AttributionSource& next, std::unique_ptr<DnsAnswerSource> answers,
                               DnsCache::Limits limits, const Clock& clock)
    : next_(next), answers_(std::move(answers)), cache_(limits), clock_(clock) {}

void DnsAttribution::attribute(const QueuedPacket& packet, Connection& connection) noexcept {
    drain();
    next_.attribute(packet, connection);
    connection.host_names = cache_.names_of(connection.remote_address, clock_.steady_now());
}

void DnsAttribution::drain() noexcept {
    if (answers_) {
        answers_->drain(cache_, clock_.steady_now());
    }
}

}  // namespace sluice
