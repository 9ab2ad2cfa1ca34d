// GlueClient: the protocol functions of glue_protocol.hpp over the shared ServiceClient.
#include "athena_runner/aws/protocol/glue.hpp"

namespace athena_runner::aws::glue {

namespace {

template <class T, class Parser>
Outcome<T> call(const ServiceClient& service, std::string_view operation, std::string body, Parser parse) {
  auto response = service.call_json(operation, std::move(body));
  if (!response) return std::move(response).get_failure();
  return parse(response.get_result());
}

}  // namespace

GlueClient::GlueClient(std::shared_ptr<const ClientContext> context)
    : service_(std::move(context), ServiceDescriptor::glue()) {}

Outcome<Database> GlueClient::get_database(std::string_view name, const std::optional<std::string>& catalog_id) const {
  return call<Database>(service_, protocol::kGetDatabase, protocol::serialize_get_database(name, catalog_id),
                        protocol::parse_get_database);
}

Outcome<Table> GlueClient::get_table(std::string_view database_name, std::string_view name,
                                     const std::optional<std::string>& catalog_id) const {
  return call<Table>(service_, protocol::kGetTable, protocol::serialize_get_table(database_name, name, catalog_id),
                     protocol::parse_get_table);
}

Outcome<std::string> GlueClient::get_table_json(std::string_view database_name, std::string_view name,
                                                const std::optional<std::string>& catalog_id) const {
  return service_.call_json(protocol::kGetTable, protocol::serialize_get_table(database_name, name, catalog_id));
}

Outcome<GetTablesResult> GlueClient::get_tables(const GetTablesRequest& request) const {
  return call<GetTablesResult>(service_, protocol::kGetTables, protocol::serialize_get_tables(request),
                               protocol::parse_get_tables);
}

Outcome<std::vector<Table>> GlueClient::get_all_tables(GetTablesRequest request) const {
  std::vector<Table> tables;
  do {
    auto page = get_tables(request);
    if (!page) return std::move(page).get_failure();
    auto& result = page.get_result();
    tables.insert(tables.end(), std::make_move_iterator(result.table_list.begin()),
                  std::make_move_iterator(result.table_list.end()));
    request.next_token = std::move(result.next_token);
  } while (request.next_token && !request.next_token->empty());
  return tables;
}

Outcome<GetPartitionsResult> GlueClient::get_partitions(const GetPartitionsRequest& request) const {
  return call<GetPartitionsResult>(service_, protocol::kGetPartitions, protocol::serialize_get_partitions(request),
                                   protocol::parse_get_partitions);
}

Outcome<std::vector<Partition>> GlueClient::get_all_partitions(GetPartitionsRequest request) const {
  std::vector<Partition> partitions;
  do {
    auto page = get_partitions(request);
    if (!page) return std::move(page).get_failure();
    auto& result = page.get_result();
    partitions.insert(partitions.end(), std::make_move_iterator(result.partitions.begin()),
                      std::make_move_iterator(result.partitions.end()));
    request.next_token = std::move(result.next_token);
  } while (request.next_token && !request.next_token->empty());
  return partitions;
}

}  // namespace athena_runner::aws::glue
