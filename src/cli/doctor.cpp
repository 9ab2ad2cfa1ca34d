// `athena-runner doctor`: shows where configuration comes from and proves a signed call works.
#include <iostream>
#include <memory>

#include "athena_runner/aws/athena.hpp"
#include "athena_runner/aws/service_client.hpp"
#include "commands.hpp"

namespace athena_runner::cli {
namespace {

struct DoctorOptions {
  std::string workgroup = "primary";
};

std::string endpoint_text(const aws::ServiceClient& client) {
  if (client.endpoint_error()) return "error: " + client.endpoint_error()->to_string();
  const auto& endpoint = client.endpoint();
  return endpoint.scheme + "://" + endpoint.host + endpoint.base_path + (endpoint.overridden ? "  (configured)" : "");
}

int run_doctor(const AwsOptions& aws_options, const DoctorOptions& options) {
  auto context_outcome =
      aws::ClientContext::from_environment(aws::curl_http_backend(), aws_options.profile, aws_options.region);
  if (!context_outcome) {
    std::cerr << "athena-runner doctor: " << context_outcome.get_failure().to_string() << "\n";
    return kExitConfiguration;
  }
  auto context = std::make_shared<const aws::ClientContext>(std::move(context_outcome).get_result());
  std::cout << "profile:      " << (context->profile.name.empty() ? "default" : context->profile.name) << "\n";
  std::cout << "region:       " << context->region << "\n";

  auto credentials = context->credentials->get_credentials();
  if (!credentials) {
    std::cout << "credentials:  missing\n";
    std::cerr << "athena-runner doctor: " << credentials.get_failure().to_string() << "\n";
    return kExitConfiguration;
  }
  std::cout << "credentials:  " << credentials->describe() << "\n";

  aws::athena::AthenaClient athena(context);
  std::cout << "athena:       " << endpoint_text(athena.service()) << "\n";
  std::cout << "s3:           " << endpoint_text(aws::ServiceClient(context, aws::ServiceDescriptor::s3())) << "\n";
  std::cout << "glue:         " << endpoint_text(aws::ServiceClient(context, aws::ServiceDescriptor::glue())) << "\n";

  auto workgroup = athena.get_work_group(options.workgroup);
  if (!workgroup) {
    std::cout << "workgroup:    " << options.workgroup << ": FAILED\n";
    std::cerr << "athena-runner doctor: GetWorkGroup " << options.workgroup << ": "
              << workgroup.get_failure().to_string() << "\n";
    return kExitFailed;
  }
  std::cout << "workgroup:    " << workgroup->name << " (" << workgroup->state.value_or("state unknown") << ")";
  if (workgroup->configuration && workgroup->configuration->result_configuration &&
      workgroup->configuration->result_configuration->output_location) {
    std::cout << ", output " << *workgroup->configuration->result_configuration->output_location;
  }
  std::cout << "\nOK: a signed Athena call succeeded.\n";
  return kExitOk;
}

}  // namespace

CommandRunner add_doctor_command(CLI::App& app, const AwsOptions& aws) {
  auto options = std::make_shared<DoctorOptions>();
  auto* command = app.add_subcommand(
      "doctor",
      "Check the AWS set-up: show the profile, region, credentials source (never the secret) and endpoints in use, "
      "then make one signed Athena call (GetWorkGroup).");
  command->add_option("--workgroup", options->workgroup, "Athena workgroup to look up")->capture_default_str();
  return [&aws, options] { return run_doctor(aws, *options); };
}

}  // namespace athena_runner::cli
