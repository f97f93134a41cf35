namespace Dreaming.Cli.Demo;

/// <summary>The rubrics of the demo, in the Markdown form people write for hosted graders.</summary>
internal static class DemoRubrics
{
    /// <summary>Every support answer is graded against this.</summary>
    public const string SupportAnswer = """
        # Support answer
        Pass threshold: 1.0

        ## Content
        - Names the order it is about (required) [regex: #W\d{4}]
        - Resolves the request [not-contains: "I could not"]
        - Sounds helpful and polite

        ## Format
        - Short enough for a chat reply [max-length: 300]
        """;

    /// <summary>The outcome-loop showcase: a refund summary the writer gets right on its second try.</summary>
    public const string RefundSummary = """
        # Refund summary
        Pass threshold: 0.75

        ## Content
        - Mentions the order number (required) [contains: "#W1003"]
        - States the refund amount [regex: \$\d+\.\d{2}]
        - Apologises once and stays concise (weight: 2)

        ## Format
        - Is valid JSON [json]
        - At most 600 characters [max-length: 600]
        """;

    public const string WriterTask = "Write a refund summary for order #W1003 (refund of $20.00) as JSON.";
}
