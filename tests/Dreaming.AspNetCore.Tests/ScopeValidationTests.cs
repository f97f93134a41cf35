using Microsoft.AspNetCore.Builder;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.AspNetCore.Tests;

/// <summary>The library's registrations under ASP.NET Core's Development validation (ValidateScopes, ValidateOnBuild), and
/// a tool that uses a request-scoped service.</summary>
public sealed class ScopeValidationTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("dreaming-aspnet-").FullName;

    // A model that calls find_order for W1 and answers with its result, and the tool, which reads a request-scoped OrderDb.
    private static (ScriptedModel Model, AIFunction Find) FindOrderModel() => (
        new ScriptedModel
        {
            Reply = messages => messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>().FirstOrDefault() is { } result
                ? new ChatMessage(ChatRole.Assistant, $"found: {result.Result}")
                : new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("c1", "find_order", new Dictionary<string, object?> { ["id"] = "W1" })]),
        },
        AIFunctionFactory.Create((string id, IServiceProvider services) => services.GetRequiredService<OrderDb>().Find(id), "find_order"));

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task Every_registration_passes_scope_validation_and_a_tool_gets_the_request_s_scoped_service()
    {
        var (model, find) = FindOrderModel();
        await using var web = await WebApp.StartAsync(
            b =>
            {
                b.Services.AddScoped<OrderDb>();
                b.Services.AddDreamingAgents(o => o.AgentId = "web")
                    .UseSqliteStore($"Data Source={Path.Combine(_folder, "dreaming.db")}")
                    .AddWebhooks(w => w.AddEndpoint("https://ci.example.com/hooks", "whsec_" + Convert.ToBase64String(new byte[32]), "dream.completed"))
                    .AddDreamSchedule("web", "0 3 * * *", TimeZoneInfo.Utc)
                    .AddSessionRetention(TimeSpan.FromDays(30));
                b.Services.AddHealthChecks().AddCheck<DreamingHealthCheck>("dreaming");
                b.Services.AddChatClient(_ => model, ServiceLifetime.Scoped).UseDreaming().UseFunctionInvocation();
            },
            app => app.MapPost("/orders", async (IAgentSessionFactory sessions, IChatClient chat, OrderDb db) =>
            {
                await using var session = sessions.StartSession("web", "where is W1");
                var answer = await chat.GetResponseAsync("where is W1", new ChatOptions { Tools = [find] });
                await session.CompleteAsync();
                return $"{answer.Text}|{db.Instance}|{db.Lookups}";
            }));

        var first = (await (await web.Client.PostAsync("/orders", null)).Content.ReadAsStringAsync()).Split('|');
        var second = (await (await web.Client.PostAsync("/orders", null)).Content.ReadAsStringAsync()).Split('|');

        Assert.Equal($"found: W1 shipped ({first[1]})", first[0]);
        Assert.Equal("1", first[2]);
        Assert.NotEqual(first[1], second[1]);
        Assert.Empty(web.Log.Problems());
    }

    [Fact]
    public async Task A_singleton_chat_client_gives_its_tools_the_root_provider_so_a_scoped_service_fails_the_tool_call()
    {
        var (model, find) = FindOrderModel();
        await using var web = await WebApp.StartAsync(
            b =>
            {
                b.Services.AddScoped<OrderDb>();
                b.Services.AddDreamingAgents(o => o.AgentId = "web");
                b.Services.AddChatClient(model).UseDreaming().UseFunctionInvocation();
            },
            app => app.MapPost("/orders", async (IAgentSessionFactory sessions, IChatClient chat) =>
            {
                await using var session = sessions.StartSession("web", "where is W1");
                await chat.GetResponseAsync("where is W1", new ChatOptions { Tools = [find] });
                await session.CompleteAsync();
                return session.Id;
            }));

        var id = await (await web.Client.PostAsync("/orders", null)).Content.ReadAsStringAsync();

        var result = Assert.Single((await web.Services.GetRequiredService<ITraceStore>().GetEventsAsync(id)).OfType<ToolResultEvent>());
        Assert.True(result.IsError);
        Assert.Equal(nameof(InvalidOperationException), result.ErrorType);
        Assert.Contains("from root provider", result.ErrorMessage, StringComparison.Ordinal);
    }

    /// <summary>A request-scoped dependency, as a DbContext is.</summary>
    private sealed class OrderDb
    {
        public string Instance { get; } = Guid.NewGuid().ToString("N")[..8];

        public int Lookups { get; private set; }

        public string Find(string id)
        {
            Lookups++;
            return $"{id} shipped ({Instance})";
        }
    }
}
