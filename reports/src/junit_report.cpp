// JUnit XML of an exploration, which CI systems (GitHub Actions report steps, GitLab, Jenkins)
// show as test results: one test case per distinct failure signature.
#include <sstream>

#include "weft/harness/text.hpp"
#include "weft/reports/report_formats.hpp"

namespace weft {

std::string escape_xml(std::string_view raw) {
  // XML must be well-formed UTF-8 without C0 controls other than tab and line breaks; names and
  // messages are the program's bytes.
  const std::string text = valid_utf8(raw);
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r')
          out += ' ';
        else
          out += c;
    }
  }
  return out;
}

std::string render_junit(const std::string& scenario, const ExploreOptions& options,
                         const ExploreReport& report,
                         const std::function<std::string(const FailureSignature&)>& rerun) {
  std::ostringstream x;
  const std::string suite = escape_xml(scenario);
  const std::size_t cases = std::max<std::size_t>(report.signatures.size(), 1);
  x << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    << "<testsuites>\n<testsuite name=\"weft explore " << suite << "\" tests=\"" << cases
    << "\" failures=\"" << report.signatures.size() << "\" errors=\"0\" time=\"" << report.seconds
    << "\">\n"
    << "  <properties><property name=\"strategy\" value=\"" << escape_xml(options.strategy)
    << "\"/><property name=\"seed\" value=\"" << options.seed
    << "\"/><property name=\"shard\" value=\"" << escape_xml(options.shard)
    << "\"/><property name=\"executions\" value=\"" << report.executions << "\"/></properties>\n";
  if (report.signatures.empty())
    x << "  <testcase classname=\"weft." << suite << "\" name=\"no failure in " << report.executions
      << " executions\" time=\"" << report.seconds << "\"/>\n";
  for (const FailureSignature& s : report.signatures) {
    const std::string command = rerun(s);
    const std::string kind(to_string(s.failure.kind));
    std::string message = kind;
    message.append(" in ").append(scenario).append("; rerun: ").append(command);
    x << "  <testcase classname=\"weft." << suite << "\" name=\""
      << escape_xml(s.failure.signature()) << "\">\n"
      << "    <failure type=\"" << kind << "\" message=\"" << escape_xml(message) << "\">"
      << escape_xml(s.failure.describe()) << "\n"
      << s.executions << " failing executions, the lowest " << s.lowest_execution << " (seed "
      << s.lowest_seed << ")\nrerun: " << escape_xml(command) << "</failure>\n  </testcase>\n";
  }
  x << "</testsuite>\n</testsuites>\n";
  return x.str();
}

}  // namespace weft
