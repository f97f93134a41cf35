using Dreaming.Cli.Output;

namespace Dreaming.Cli.Tests;

public class SecretsInUrlsTests
{
    [Theory]
    [InlineData("http://127.0.0.1:9/v1", "http://127.0.0.1:9/v1")]
    [InlineData("http://alice:pw@127.0.0.1:9/v1?api-key=k#frag", "http://127.0.0.1:9/v1")]
    [InlineData("ftp://alice:pw@h/v1", "ftp://h/v1")]
    [InlineData("localhost:11434/v1?api-key=k", "localhost:11434/v1")]
    [InlineData("alice:pw@localhost/v1", "localhost/v1")]
    [InlineData("http://h/path@x", "http://h/path@x")]
    [InlineData("not a url", "not a url")]
    [InlineData("", "")]
    public void A_url_is_shown_without_user_info_query_or_fragment(string url, string shown) =>
        Assert.Equal(shown, Text.UrlWithoutSecrets(url));

    [Theory]
    [InlineData("ftp://alice:sk-userinfo-secret@h/v1?api-key=sk-query-secret", "'ftp://h/v1'")]
    [InlineData("localhost:11434/v1?api-key=sk-query-secret", "'localhost:11434/v1'")]
    [InlineData("alice:sk-userinfo-secret@localhost/v1", "'localhost/v1'")]
    public async Task A_refused_endpoint_is_named_without_its_secrets(string endpoint, string shown)
    {
        // The refusal quoted the value as given, password and key included.
        using var cli = new CliRunner();

        var (exit, output, error) = await cli.RunAsync("model", "--model-endpoint", endpoint, "--model", "m");

        Assert.Equal(1, exit);
        Assert.Equal(string.Empty, output);
        Assert.Contains($"(or --model-endpoint) is {shown}, which is not an http or https URL", error, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_secret_in_the_endpoints_fragment_is_not_shown()
    {
        using var cli = new CliRunner();

        var (exit, output, error) = await cli.RunAsync("model", "--json", "--model-endpoint", "http://127.0.0.1:9/v1#sk-fragment-secret", "--model", "m");

        Assert.True(exit == 0, error);
        Assert.Equal("http://127.0.0.1:9/v1", System.Text.Json.JsonDocument.Parse(output).RootElement.GetProperty("endpoint").GetString());
    }

    [Theory]
    [InlineData("model", "--check")]
    [InlineData("model", "--check", "--json")]
    [InlineData("dream", "--agent", "a")]
    [InlineData("dream", "--agent", "a", "--json")]
    [InlineData("orchestrate", "--plan", "plan.json")]
    [InlineData("orchestrate", "--plan", "plan.json", "--json")]
    [InlineData("grade", "--rubric", "rubric.md", "--input", "reply.txt")]
    [InlineData("grade", "--rubric", "rubric.md", "--input", "reply.txt", "--json")]
    public async Task No_command_shows_the_endpoints_secrets_in_its_output_or_errors(params string[] command)
    {
        // Port 9 refuses the connection: every command that calls the model writes the failure somewhere.
        using var cli = new CliRunner();
        cli.WriteFile("plan.json", """{"goal":"g","agents":[{"name":"a","instructions":"i"}],"items":[{"id":"one","agent":"a","instructions":"do","dependsOn":[]}]}""");
        cli.WriteFile("rubric.md", "# Reply\n- Apologises once and stays concise\n");
        cli.WriteFile("reply.txt", "Sorry about that.");
        if (command[0] == "dream")
        {
            Assert.Equal(0, (await cli.RunAsync("orchestrate", "--plan", Path.Combine(cli.Folder, "plan.json"), "--db", cli.Database)).Exit);
        }

        var args = command.Select(a => a.Contains('.', StringComparison.Ordinal) ? Path.Combine(cli.Folder, a) : a)
            .Concat(["--db", cli.Database, "--model-endpoint", "http://alice:sk-userinfo-secret@127.0.0.1:9/v1?api-key=sk-query-secret#sk-fragment-secret", "--model", "m", "--model-timeout", "5"])
            .ToArray();

        var (_, output, error) = await cli.RunAsync(args).WaitAsync(TimeSpan.FromSeconds(120));

        Assert.DoesNotContain("secret", output + error, StringComparison.Ordinal);
        Assert.DoesNotContain("alice", output + error, StringComparison.Ordinal);
    }
}
