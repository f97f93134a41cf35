using Dreaming.Cli.Model;

namespace Dreaming.Cli.Tests;

public class ModelSettingsTests
{
    private const string MissingModel = "error: A model endpoint is set (DREAMING_MODEL_ENDPOINT or --model-endpoint) but no model name: pass --model NAME or set DREAMING_MODEL (for example llama3.1 or gpt-4o-mini).";

    [Theory]
    [InlineData("model")]
    [InlineData("model", "--check")]
    [InlineData("model", "--json")]
    [InlineData("dream", "--agent", "a")]
    [InlineData("dream", "--agent", "a", "--json")]
    [InlineData("orchestrate", "--plan", "plan.json")]
    [InlineData("orchestrate", "--plan", "plan.json", "--json")]
    [InlineData("grade", "--rubric", "rubric.md", "--input", "reply.txt")]
    public async Task An_endpoint_without_a_model_name_is_refused_naming_what_is_missing(params string[] command)
    {
        // It counted as no model at all: the command ran offline (simulated agents, template lessons) and exited 0.
        using var cli = new CliRunner();
        File.WriteAllText(cli.Database, string.Empty);
        cli.WriteFile("plan.json", """{"goal":"g","agents":[{"name":"a","instructions":"i"}],"items":[{"id":"one","agent":"a","instructions":"do","dependsOn":[]}]}""");
        cli.WriteFile("rubric.md", "# Reply\n- Apologises once and stays concise\n");
        cli.WriteFile("reply.txt", "Sorry about that.");
        var args = command.Select(a => a.Contains('.', StringComparison.Ordinal) ? Path.Combine(cli.Folder, a) : a)
            .Concat(["--db", cli.Database, "--model-endpoint", "http://127.0.0.1:9/v1"]).ToArray();

        var (exit, output, error) = await cli.RunAsync(args);

        Assert.Equal(1, exit);
        Assert.Equal(string.Empty, output);
        Assert.Equal(MissingModel, error.TrimEnd());
        Assert.Equal(0, new FileInfo(cli.Database).Length);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public void An_endpoint_variable_without_a_model_variable_is_refused(string? model)
    {
        var ex = Assert.Throws<ArgumentException>(() => ModelSettings.FromEnvironment(name => name switch
        {
            ModelSettings.EndpointVariable => "http://localhost:11434/v1",
            ModelSettings.ModelVariable => model,
            _ => null,
        }));

        Assert.Equal(MissingModel["error: ".Length..], ex.Message);
    }

    [Fact]
    public void A_model_name_without_an_endpoint_is_still_no_model()
    {
        var settings = ModelSettings.FromEnvironment(name => name == ModelSettings.ModelVariable ? "llama3.1" : null);

        Assert.False(settings.IsConfigured);
    }
}
