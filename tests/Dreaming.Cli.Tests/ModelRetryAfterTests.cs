using System.Globalization;

namespace Dreaming.Cli.Tests;

public class ModelRetryAfterTests
{
    // Stands for an HTTP date two hours after the reply is sent. The date is written when the server replies, not in
    // the theory data: xunit makes those when it discovers the tests, and a run that reached this case more than 200 s
    // later (a loaded machine, an IDE running discovered tests again) saw a wait of 6,9xx s, not the 7,xxx s expected.
    private const string InTwoHours = "(an HTTP date two hours ahead)";

    public static TheoryData<string, string, string, string> LongWaits() => new()
    {
        // header, value, --model-timeout (empty: the SDK's 100 s), the wait named
        { "Retry-After", "3600", "5", "3600 s" },
        { "Retry-After", "86400", string.Empty, "86400 s" },
        { "Retry-After", InTwoHours, "5", "7" },
    };

    [Theory]
    [MemberData(nameof(LongWaits))]
    public async Task A_Retry_After_longer_than_a_try_may_take_fails_at_once_naming_the_wait_and_the_timeout(string header, string value, string timeout, string wait)
    {
        // The SDK waited it out in full (an hour, a day) whatever --model-timeout said; only Ctrl+C ended it.
        await using var server = LoopbackModel.Start(context =>
        {
            context.Response.Headers[header] = value == InTwoHours ? DateTimeOffset.UtcNow.AddHours(2).ToString("R", CultureInfo.InvariantCulture) : value;
            return LoopbackModel.ReplyAsync(context, 429, """{"error":{"message":"slow down"}}""");
        });
        using var cli = new CliRunner();
        string[] args = ["model", "--check", "--model-endpoint", server.Endpoint.ToString(), "--model", "m"];
        if (timeout.Length > 0)
        {
            args = [.. args, "--model-timeout", timeout];
        }

        var (exit, output, error) = await cli.RunAsync(args).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(1, exit);
        Assert.Equal(string.Empty, output);
        Assert.Single(error.TrimEnd().Split('\n'));
        Assert.Contains("answered HTTP 429 Too Many Requests: slow down.", error, StringComparison.Ordinal);
        Assert.Contains($"It asked to wait {wait}", error, StringComparison.Ordinal);
        Assert.Contains(
            $"longer than a try may take ({(timeout.Length > 0 ? timeout : "100")} s, set by --model-timeout or DREAMING_MODEL_TIMEOUT), so it was not tried again",
            error,
            StringComparison.Ordinal);
        Assert.Equal(1, server.Requests);
    }

    [Fact]
    public async Task A_Retry_After_within_a_try_is_still_waited_out_and_tried_again()
    {
        var calls = 0;
        await using var server = LoopbackModel.Start(context =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                context.Response.Headers["Retry-After"] = "1";
                return LoopbackModel.ReplyAsync(context, 429, """{"error":{"message":"slow down"}}""");
            }

            return LoopbackModel.ReplyAsync(context, 200, """{"id":"c","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"ready"},"finish_reason":"stop"}]}""");
        });
        using var cli = new CliRunner();

        var (exit, output, error) = await cli.RunAsync("model", "--check", "--model-endpoint", server.Endpoint.ToString(), "--model", "m", "--model-timeout", "5")
            .WaitAsync(TimeSpan.FromSeconds(60));

        Assert.True(exit == 0, error);
        Assert.Contains("reply: ready", output, StringComparison.Ordinal);
        Assert.Equal(2, server.Requests);
    }
}
