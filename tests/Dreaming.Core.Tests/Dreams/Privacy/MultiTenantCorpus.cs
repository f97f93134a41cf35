using System.Globalization;

namespace Dreaming.Core.Tests.Dreams.Privacy;

/// <summary>
/// A synthetic multi-tenant corpus: three tenants (team scopes) of one agent, four customers each, five sessions a
/// customer (three failed, two passed), each customer with personal values of their own that recurring tool errors and
/// dead ends quote the way real tools do.
/// </summary>
internal static class MultiTenantCorpus
{
    public const string AgentId = "support";

    public static readonly string[] Tenants = ["acme", "globex", "initech"];

    private static readonly string[] s_first = ["Mia", "Sophia", "Omar", "Yusuf", "Lena", "Raj", "Chen", "Ivan", "Ana", "Noah", "Aisha", "Tom"];
    private static readonly string[] s_last = ["Li", "Kim", "Haddad", "Demir", "Novak", "Patel", "Wei", "Petrov", "Silva", "Brown", "Khan", "Ode"];
    private static readonly string[] s_streets = ["Elm", "Oak", "Maple", "Cedar", "Pine", "Birch", "Walnut", "Spruce", "Willow", "Aspen", "Hickory", "Laurel"];
    private static readonly string[] s_cities = ["Springfield", "Riverton", "Lakeside", "Fairview", "Georgetown", "Salem", "Madison", "Clinton", "Franklin", "Arlington", "Ashland", "Dover"];

    private static readonly string[] s_complaints =
    [
        "blender arrived cracked and leaking", "courier left my parcel in the rain", "refund for the red jacket never came",
        "charged twice for the same lamp", "headphones stopped working after a week", "wrong size of hiking boots delivered",
        "coffee machine makes a grinding noise", "missing screws in the bookshelf kit", "my late mother's account still gets mail",
        "seat was double booked on my honeymoon", "bag lost on the flight to Lisbon", "upgrade promised by the agent never applied",
    ];

    /// <summary>The customers, four a tenant, in tenant order.</summary>
    public static IReadOnlyList<Customer> Customers { get; } = Enumerable.Range(0, 12).Select(NewCustomer).ToList();

    /// <summary>All sessions: 20 a tenant, each with the tenant as its team scope.</summary>
    public static List<SessionWithEvents> Sessions()
    {
        var start = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
        var sessions = new List<SessionWithEvents>();
        foreach (var customer in Customers)
        {
            for (var k = 0; k < 5; k++)
            {
                var id = string.Create(CultureInfo.InvariantCulture, $"{customer.Tenant}-{customer.Index:D2}-{k}");
                sessions.Add(Session(id, customer, failed: k < 3, start.AddMinutes(sessions.Count)));
            }
        }

        return sessions;
    }

    private static Customer NewCustomer(int i)
    {
        var first = s_first[i];
        var last = s_last[i];
        return new Customer(
            Index: i,
            Tenant: Tenants[i / 4],
            First: first,
            Last: last,
            UserId: string.Create(CultureInfo.InvariantCulture, $"{first.ToLowerInvariant()}_{last.ToLowerInvariant()}_{3668 + (i * 137)}"),
            OrderId: string.Create(CultureInfo.InvariantCulture, $"#W{1001 + i}"),
            Reservation: string.Create(CultureInfo.InvariantCulture, $"Z{(char)('A' + i)}A0{i % 10}Y"),
            LettersReservation: string.Create(CultureInfo.InvariantCulture, $"HX{(char)('A' + i)}D{(char)('B' + i)}J"),
            Street: s_streets[i],
            City: s_cities[i],
            Zip: string.Create(CultureInfo.InvariantCulture, $"{94110 + i}"),
            Phone: string.Create(CultureInfo.InvariantCulture, $"+1-555-01{i:D2}-{4400 + i}"),
            CardLast4: string.Create(CultureInfo.InvariantCulture, $"{4421 + (i * 7)}"),
            Email: string.Create(CultureInfo.InvariantCulture, $"{first.ToLowerInvariant()}.{last.ToLowerInvariant()}@example.com"),
            Complaint: s_complaints[i]);
    }

    private static SessionWithEvents Session(string id, Customer c, bool failed, DateTimeOffset time)
    {
        var events = new List<SessionEvent>
        {
            new MessageEvent { Role = "user", Text = $"Hi, I'm {c.First} {c.Last}, user id {c.UserId}, I live at 12 {c.Street} Street, {c.City}. {c.Complaint}." },
        };
        var calls = 0;
        void Call(string tool, string arguments, string? error, string? result = null)
        {
            var callId = "c" + (++calls).ToString(CultureInfo.InvariantCulture);
            events.Add(new ToolCallEvent { CallId = callId, ToolName = tool, Arguments = arguments });
            events.Add(new ToolResultEvent { CallId = callId, ToolName = tool, IsError = error is not null, Result = error ?? result ?? "ok" });
        }

        // Half the customers are found by name and zip, the others by user id (whose result carries the profile).
        if (c.Index % 2 == 0)
        {
            Call("find_user_id_by_name_zip", $$"""{"first_name":"{{c.First}}","last_name":"{{c.Last}}","zip":"{{c.Zip}}"}""", null, c.UserId);
        }
        else
        {
            Call("get_user_details", $$"""{"user_id":"{{c.UserId}}"}""", null,
                $$"""{"name":{"first_name":"{{c.First}}","last_name":"{{c.Last}}"},"address":{"address1":"12 {{c.Street}} Street","city":"{{c.City}}","zip":"{{c.Zip}}"},"email":"{{c.Email}}"}""");
        }

        if (failed)
        {
            // Errors every customer meets, quoting that customer's values.
            Call("get_user_details", $$"""{"user_id":"{{c.UserId}}"}""", $"Error: user {c.UserId} not found");
            Call("cancel_reservation", $$"""{"reservation_id":"{{c.Reservation}}"}""", $"Reservation {c.Reservation} cannot be cancelled: flight already flown");
            Call("get_order_details", $$"""{"order_id":"{{c.OrderId}}"}""", $"Error: order {c.OrderId} not found");
            Call("pay", $$"""{"payment_method_id":"credit_card_{{c.CardLast4}}","amount":120}""", $"Payment method credit_card_{c.CardLast4} has insufficient balance");
            Call("send_verification_code", $$"""{"phone":"{{c.Phone}}"}""", $"Error: phone number {c.Phone} is unreachable");
            Call("find_user_by_email", $$"""{"email":"{{c.Email}}"}""", $"Error: no account for {c.Email}");
            Call("get_reservation_details", $$"""{"reservation_id":"{{c.LettersReservation}}"}""", $"Error: reservation {c.LettersReservation} not found");

            // Errors that quote names, addresses and free text: two kinds a customer.
            foreach (var kind in new[] { (2 * c.Index) % 6, ((2 * c.Index) + 1) % 6 })
            {
                switch (kind)
                {
                    case 0:
                        Call("find_user_id_by_name_zip", $$"""{"first_name":"{{c.First}}","last_name":"{{c.Last}}","zip":"{{c.Zip}}"}""", $"Error: no user named {c.First} {c.Last} with zip {c.Zip}");
                        break;
                    case 1:
                        Call("modify_address", $$"""{"user_id":"{{c.UserId}}","address1":"12 {{c.Street}} Street","city":"{{c.City}}","zip":"{{c.Zip}}"}""", $"Error: address 12 {c.Street} Street, {c.City} {c.Zip} is not deliverable");
                        break;
                    case 2:
                        Call("charge_card", $$"""{"card_last4":"{{c.CardLast4}}","amount":120}""", $"Error: card ending in {c.CardLast4} declined for {c.First} {c.Last}");
                        break;
                    case 3:
                        Call("file_complaint", $$"""{"user_id":"{{c.UserId}}","text":"{{c.Complaint}}"}""", $"Error: complaint rejected as a duplicate: {c.Complaint}");
                        break;
                    case 4:
                        Call("transfer_to_human", $$"""{"summary":"The customer wants a refund for order {{c.OrderId}}"}""", $"Error: cannot transfer: customer {c.First} {c.Last} has an open reservation {c.LettersReservation}");
                        break;
                    default:
                        events.Add(new NoteEvent { Text = $"{OutcomeRunner.BlockedNotePrefix} (iteration 1): {c.First} {c.Last} at 12 {c.Street} Street asks for a refund of a ticket that cannot be refunded" });
                        break;
                }
            }
        }

        return new SessionWithEvents(
            new SessionRecord
            {
                Id = id,
                AgentId = AgentId,
                Scope = c.Tenant,
                Task = $"Help {c.First} {c.Last} ({c.UserId})",
                Status = SessionStatus.Completed,
                StartedAt = time,
                EndedAt = time.AddSeconds(30),
                Outcome = failed ? SessionOutcome.Failed() : SessionOutcome.Succeeded(),
            },
            events.Select((e, n) => e with { SessionId = id, Sequence = n + 1, Timestamp = time }).ToList());
    }

    /// <summary>A customer and the personal values of their sessions.</summary>
    internal sealed record Customer(
        int Index, string Tenant, string First, string Last, string UserId, string OrderId, string Reservation, string LettersReservation,
        string Street, string City, string Zip, string Phone, string CardLast4, string Email, string Complaint)
    {
        /// <summary>The values that belong to this customer alone: a lesson quoting one leaks it to every other tenant.</summary>
        public IEnumerable<(string Kind, string Value)> PersonalValues()
        {
            yield return ("first name", First);
            yield return ("last name", Last);
            yield return ("user id", UserId);
            yield return ("order id", OrderId.TrimStart('#'));
            yield return ("reservation id", Reservation);
            yield return ("reservation id", LettersReservation);
            yield return ("street", Street);
            yield return ("city", City);
            yield return ("zip", Zip);
            yield return ("phone", Phone);
            yield return ("card last 4", CardLast4);
            yield return ("e-mail", Email);
            yield return ("free text", Complaint);
        }
    }
}
