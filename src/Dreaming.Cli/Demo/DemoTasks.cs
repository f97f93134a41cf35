namespace Dreaming.Cli.Demo;

/// <summary>The tasks the demo's simulated agent works through; some fail the same way again and again.</summary>
internal static class DemoTasks
{
    public const string AgentId = "support-bot";

    public static IReadOnlyList<string> All { get; } =
    [
        "Refund order #W1001 in full and e-mail jane.doe@example.com.",
        "Where is order 1002?",
        "Refund 20.00 of order #W1003.",
        "Refund 150.00 of order #W1007, the customer insists.",
        "Where is order 1005? Customer key sk-demo0123456789abcdefXYZ was pasted in the chat.",
        "Refund order 1004 in full.",
        "Refund 500.00 of order #W1006, the customer insists.",
        "Where is order #W1008?",
        "Where is order #W1999?",
        "Refund 30.00 of order 1002 and e-mail sam@example.org.",
        "Refund 120.00 of order #W1007, the customer insists.",
        "Where is order 1006?",
    ];
}
