using System.ComponentModel;
using System.Globalization;
using Microsoft.Extensions.AI;

namespace Dreaming.Cli.Demo;

/// <summary>The demo's tools: a tiny order system whose errors recur the way real ones do.</summary>
internal static class DemoShop
{
    private static readonly Dictionary<string, decimal> s_orders = new(StringComparer.Ordinal)
    {
        ["#W1001"] = 120.00m, ["#W1002"] = 45.50m, ["#W1003"] = 310.00m, ["#W1004"] = 18.99m,
        ["#W1005"] = 76.20m, ["#W1006"] = 230.00m, ["#W1007"] = 99.00m, ["#W1008"] = 12.00m,
    };

    public static IList<AITool> Tools { get; } =
    [
        AIFunctionFactory.Create(LookupOrder, "lookup_order"),
        AIFunctionFactory.Create(Refund, "refund"),
        AIFunctionFactory.Create(SendEmail, "send_email"),
    ];

    [Description("Looks up an order by its id, such as #W1001.")]
    private static string LookupOrder(string orderId)
    {
        if (!orderId.StartsWith("#W", StringComparison.Ordinal))
        {
            throw new ArgumentException($"order id must look like #W1234, got '{orderId}'");
        }

        return s_orders.TryGetValue(orderId, out var total)
            ? string.Create(CultureInfo.InvariantCulture, $"{{\"order\":\"{orderId}\",\"status\":\"delivered\",\"total\":{total}}}")
            : throw new KeyNotFoundException($"order {orderId} not found");
    }

    [Description("Refunds an amount of an order.")]
    private static string Refund(string orderId, decimal amount)
    {
        var total = s_orders[orderId];
        if (amount > total)
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"payment amount does not add up, total is {total}, requested {amount}"));
        }

        return string.Create(CultureInfo.InvariantCulture, $"refunded {amount} on {orderId}");
    }

    [Description("Sends an e-mail to the customer.")]
    private static string SendEmail(string to, string body) => $"sent to {to} ({body.Length} chars)";
}
