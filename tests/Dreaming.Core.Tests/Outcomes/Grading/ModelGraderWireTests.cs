using System.ClientModel;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using OpenAI;
using static Dreaming.Tests.Outcomes.Grading.GradingFixtures;

namespace Dreaming.Tests.Outcomes.Grading;

public class ModelGraderWireTests
{
    [Fact]
    public async Task The_grader_asks_for_a_json_schema_over_the_OpenAI_wire_format_and_reads_the_reply()
    {
        using var listener = new HttpListener();
        var port = LoopbackHttp.Start(listener);
        var content = ScriptedGrader.Reply(("content-3", "partially_met"), ("tone", "met"));
        var served = Task.Run(async () =>
        {
            var context = await listener.GetContextAsync();
            using var reader = new StreamReader(context.Request.InputStream);
            var body = await reader.ReadToEndAsync();
            var reply = JsonSerializer.Serialize(new
            {
                id = "chatcmpl-1",
                @object = "chat.completion",
                created = 1_700_000_000,
                model = "grader-model",
                choices = new[] { new { index = 0, message = new { role = "assistant", content }, finish_reason = "stop" } },
                usage = new { prompt_tokens = 321, completion_tokens = 45, total_tokens = 366 },
            });
            var bytes = Encoding.UTF8.GetBytes(reply);
            context.Response.ContentType = "application/json";
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
            return (context.Request.Url!.AbsolutePath, body);
        });

        using var client = new OpenAIClient(new ApiKeyCredential("k"), new OpenAIClientOptions { Endpoint = new Uri($"http://127.0.0.1:{port}/v1") })
            .GetChatClient("grader-model")
            .AsIChatClient();
        var criteria = new[] { Model("content-3", "Apologises once and stays concise"), Model("tone", "Is polite") };

        var grade = await new ModelGrader(client).GradeAsync(Rubric(criteria), criteria, "Refund for #W123 issued. Sorry!", "Summarise the refund")
            .WaitAsync(TimeSpan.FromSeconds(30));
        var (path, body) = await served.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal("/v1/chat/completions", path);
        using var request = JsonDocument.Parse(body);
        var root = request.RootElement;
        Assert.Equal("grader-model", root.GetProperty("model").GetString());
        Assert.Equal(["system", "user"], root.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("role").GetString()));
        var format = root.GetProperty("response_format");
        Assert.Equal("json_schema", format.GetProperty("type").GetString());
        var jsonSchema = format.GetProperty("json_schema");
        Assert.Equal("rubric_grade", jsonSchema.GetProperty("name").GetString());
        var item = jsonSchema.GetProperty("schema").GetProperty("properties").GetProperty("criteria").GetProperty("items");
        Assert.Equal(["content-3", "tone"], item.GetProperty("properties").GetProperty("id").GetProperty("enum").EnumerateArray().Select(e => e.GetString()));

        Assert.Equal([CriterionVerdict.PartiallyMet, CriterionVerdict.Met], grade.Criteria.Select(c => c.Verdict));
        Assert.Equal("reason for tone: met", grade.Criteria[1].Reason);
        Assert.Equal(321, grade.Usage.InputTokens);
        Assert.Equal(45, grade.Usage.OutputTokens);
        Assert.Equal(1, grade.Usage.ModelCalls);
    }
}
