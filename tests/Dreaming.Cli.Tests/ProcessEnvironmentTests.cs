using System.Runtime.CompilerServices;
using System.Text.Json;
using Dreaming.Cli.Model;

namespace Dreaming.Cli.Tests;

/// <summary>Tests that set the test process's own environment: they run alone, not in parallel with any other test.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessEnvironmentGroup
{
    public const string Name = "Process environment";
}

/// <summary>The variables the tool reads, set in the developer's shell, do not reach the tests.</summary>
[Collection(ProcessEnvironmentGroup.Name)]
public class ProcessEnvironmentTests
{
    [Fact]
    public async Task A_model_set_in_the_test_processs_environment_does_not_reach_a_run()
    {
        var calls = 0;
        await using var server = LoopbackModel.Start(async context =>
        {
            Interlocked.Increment(ref calls);
            await LoopbackModel.ReplyAsync(context, 200, """{"choices":[{"index":0,"message":{"role":"assistant","content":"ready"},"finish_reason":"stop"}]}""");
        });
        var set = new Dictionary<string, string>
        {
            [ModelSettings.EndpointVariable] = server.Endpoint.ToString(),
            [ModelSettings.ModelVariable] = "developer-model",
            [ModelSettings.ApiKeyVariable] = "sk-developer",
            [ModelSettings.OpenAiApiKeyVariable] = "sk-openai",
            [ModelSettings.TimeoutVariable] = "not a number",
        };
        var saved = ModelSettings.Variables.ToDictionary(name => name, Environment.GetEnvironmentVariable);
        try
        {
            foreach (var (name, value) in set)
            {
                Environment.SetEnvironmentVariable(name, value);
            }

            using var cli = new CliRunner();
            var (exit, json, error) = await cli.RunAsync("model", "--json");
            Assert.True(exit == 0, error);
            var root = JsonDocument.Parse(json).RootElement;
            Assert.False(root.GetProperty("configured").GetBoolean(), json);
            Assert.False(root.GetProperty("apiKeySet").GetBoolean(), json);

            var (checkExit, _, checkError) = await cli.RunAsync("model", "--check");
            Assert.Equal(1, checkExit);
            Assert.Contains("No model is configured", checkError, StringComparison.Ordinal);
            Assert.Equal(0, Volatile.Read(ref calls));

            // A variable the test sets for the run is seen.
            cli.Environment[ModelSettings.EndpointVariable] = server.Endpoint.ToString();
            cli.Environment[ModelSettings.ModelVariable] = "test-model";
            var (setExit, setJson, setError) = await cli.RunAsync("model", "--json");
            Assert.True(setExit == 0, setError);
            Assert.Equal("test-model", JsonDocument.Parse(setJson).RootElement.GetProperty("model").GetString());
        }
        finally
        {
            foreach (var (name, value) in saved)
            {
                Environment.SetEnvironmentVariable(name, value);
            }
        }
    }
}

/// <summary>Clears the tool's variables from the test process as it loads, for the tests that call
/// <see cref="DreamingCommandLine.InvokeAsync"/> without an environment of their own and for the tool started as a
/// process.</summary>
internal static class TestProcessEnvironment
{
#pragma warning disable CA2255 // A module initializer in a test assembly: the process is the test run's own.
    [ModuleInitializer]
    internal static void ClearToolVariables()
#pragma warning restore CA2255
    {
        foreach (var name in ModelSettings.Variables)
        {
            Environment.SetEnvironmentVariable(name, null);
        }

        Environment.SetEnvironmentVariable(CommonOptions.DatabaseVariable, null);
    }
}
