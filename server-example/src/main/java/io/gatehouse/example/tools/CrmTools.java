package io.gatehouse.example.tools;

import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/** A CRM: customers and sales opportunities. */
public final class CrmTools {
  /** A customer account. */
  public record Customer(String id, String name, String industry, String tier, String accountOwner) {}

  /** A sales opportunity and who last changed it. */
  public record Opportunity(
      String id, String customerId, String name, String stage, long amountEur, String updatedBy) {}

  private static final List<String> STAGES =
      List.of("prospecting", "qualification", "proposal", "negotiation", "won", "lost");

  private final Map<String, Customer> customers = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, Opportunity> opportunities = new ConcurrentHashMap<>();

  /** The CRM with the example data set. */
  public CrmTools() {
    for (Customer c : List.of(
        new Customer("C-500", "Nordwind Logistics", "logistics", "enterprise", "E-1003"),
        new Customer("C-501", "Helios Health", "healthcare", "mid-market", "E-1003"),
        new Customer("C-502", "Brightline Retail", "retail", "smb", "E-1005"))) {
      customers.put(c.id(), c);
    }
    for (Opportunity o : List.of(
        new Opportunity("O-900", "C-500", "Fleet telematics renewal", "negotiation", 240_000, "seed"),
        new Opportunity("O-901", "C-501", "Clinic scheduling pilot", "proposal", 45_000, "seed"),
        new Opportunity("O-902", "C-502", "POS upgrade", "qualification", 18_000, "seed"))) {
      opportunities.put(o.id(), o);
    }
  }

  /** The CRM tools. */
  public List<ToolDefinition> tools() {
    return List.of(
        new ToolDefinition("crm.get_customer",
            "Look up one customer account by id (e.g. C-500): name, industry, tier and account owner.",
            Schema.object().string("customer_id", "Customer id, e.g. C-500", true), true,
            (args, caller) -> customer(args.string("customer_id"))),
        new ToolDefinition("crm.search_customers",
            "Find customers whose name or industry contains the query (case-insensitive).",
            Schema.object().string("query", "Text to look for, e.g. 'health'", true), true,
            (args, caller) -> {
              String q = args.string("query").toLowerCase(Locale.ROOT);
              return Map.of("customers", customers.values().stream()
                  .filter(c -> c.name().toLowerCase(Locale.ROOT).contains(q)
                      || c.industry().contains(q))
                  .sorted(Comparator.comparing(Customer::id)).toList());
            }),
        new ToolDefinition("crm.list_opportunities",
            "List sales opportunities, optionally only those of one customer.",
            Schema.object().string("customer_id", "Customer id, e.g. C-500", false), true,
            (args, caller) -> {
              var customer = args.optionalString("customer_id").map(id -> customer(id).id());
              return Map.of("opportunities", opportunities.values().stream()
                  .filter(o -> customer.map(o.customerId()::equals).orElse(true))
                  .sorted(Comparator.comparing(Opportunity::id)).toList());
            }),
        new ToolDefinition("crm.update_opportunity",
            "Move an opportunity to another stage and optionally change its amount (whole euros).",
            Schema.object()
                .string("opportunity_id", "Opportunity id, e.g. O-900", true)
                .choice("stage", "The new stage", STAGES, true)
                .amount("amount_eur", "New amount in euros", false),
            false,
            (args, caller) -> {
              String id = args.string("opportunity_id");
              String stage = args.choice("stage", STAGES);
              var amount = args.optionalAmount("amount_eur");
              Opportunity updated = opportunities.computeIfPresent(id, (key, o) ->
                  new Opportunity(o.id(), o.customerId(), o.name(), stage,
                      amount.orElse(o.amountEur()), caller));
              if (updated == null) {
                throw new ToolError("no opportunity with id '" + id + "'");
              }
              return updated;
            }));
  }

  private Customer customer(String id) {
    Customer c = customers.get(id);
    if (c == null) {
      throw new ToolError("no customer with id '" + id + "'");
    }
    return c;
  }
}
