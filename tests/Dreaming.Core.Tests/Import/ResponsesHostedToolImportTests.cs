using static Dreaming.Core.Tests.Import.ImportTestData;

namespace Dreaming.Core.Tests.Import;

/// <summary>The Responses API's items of the tools OpenAI runs (web search, file search, code interpreter, image generation,
/// MCP) and of those the client runs besides functions (computer use, shell, custom tools): calls and results, so mining
/// sees that a tool ran and whether it failed. They were dropped without a note or a count.</summary>
public sealed class ResponsesHostedToolImportTests
{
    private const string Request = """
        "input": [ { "role": "user", "content": "Refund order 42." } ]
        """;

    private static readonly SessionImportOptions s_input = new() { MessagesField = "input" };

    [Fact]
    public async Task A_hosted_tools_output_item_is_its_call_and_its_result_failed_when_its_status_says_so()
    {
        var session = await ReadOneAsync(
            $$"""
            { {{Request}}, "response": { "id": "resp_1", "object": "response", "status": "completed", "model": "gpt-5",
              "output": [
                { "type": "reasoning", "id": "rs_1", "summary": [] },
                { "type": "web_search_call", "id": "ws_1", "status": "completed", "action": { "type": "search", "query": "refund policy", "sources": [ { "type": "url", "url": "https://example.com/refunds" } ] } },
                { "type": "file_search_call", "id": "fs_1", "status": "completed", "queries": [ "refund" ], "results": [ { "file_id": "file-1", "filename": "policy.pdf", "score": 0.9, "text": "Refunds within 30 days." } ] },
                { "type": "code_interpreter_call", "id": "ci_1", "status": "failed", "code": "1/0", "container_id": "cntr_1", "outputs": [ { "type": "logs", "logs": "ZeroDivisionError: division by zero" } ] },
                { "type": "image_generation_call", "id": "ig_1", "status": "completed", "output_format": "png", "result": "iVBORw0KGgoAAAA=" },
                { "type": "mcp_list_tools", "id": "mcpl_1", "server_label": "stripe", "tools": [ { "name": "create_refund", "input_schema": {} }, { "name": "get_charge", "input_schema": {} } ] },
                { "type": "mcp_call", "id": "mcp_1", "server_label": "stripe", "name": "create_refund", "arguments": "{\"amount\":5}", "output": null, "error": "card declined" },
                { "type": "web_search_call", "id": "ws_2", "status": "incomplete", "action": { "type": "search", "query": "again" } },
                { "type": "message", "role": "assistant", "content": [ { "type": "output_text", "text": "I could not refund it." } ] } ] } }
            """,
            s_input);

        Assert.Equal(
            [("ws_1", "web_search", """{"queries":["refund policy"]}"""),
             ("fs_1", "file_search", """{"queries":["refund"]}"""),
             ("ci_1", "code_interpreter", """{"code":"1/0"}"""),
             ("ig_1", "image_generation", """{"output_format":"png"}"""),
             ("mcpl_1", "mcp_list_tools", """{"server_label":"stripe"}"""),
             ("mcp_1", "create_refund", """{"amount":5}"""),
             ("ws_2", "web_search", """{"queries":["again"]}""")],
            session.Events.OfType<ToolCallEvent>().Select(c => (c.CallId, c.ToolName, c.Arguments)));
        Assert.Equal(
            [("ws_1", "web_search", "https://example.com/refunds", false, null),
             ("fs_1", "file_search", "policy.pdf", false, null),
             ("ci_1", "code_interpreter", "ZeroDivisionError: division by zero", true, "code_interpreter_call failed"),
             ("ig_1", "image_generation", "[attachment: image/png, 11 bytes]", false, null),
             ("mcpl_1", "mcp_list_tools", "create_refund\nget_charge", false, null),
             ("mcp_1", "create_refund", null, true, "card declined"),
             ("ws_2", "web_search", null, true, "web_search_call incomplete")],
            session.Events.OfType<ToolResultEvent>().Select(r => (r.CallId, r.ToolName, r.Result, r.IsError, r.ErrorMessage)));
        Assert.Equal(
            ["message.user", "tool.call", "tool.result", "tool.call", "tool.result", "tool.call", "tool.result", "tool.call", "tool.result", "tool.call", "tool.result",
             "tool.call", "tool.result", "tool.call", "tool.result", "message.assistant", "model.response"],
            session.Events.Select(e => e.EventType));
        Assert.Equal("stop", session.Events.OfType<ModelResponseEvent>().Single().FinishReason);
    }

    [Fact]
    public async Task A_tools_item_with_arguments_and_no_name_is_a_call_named_after_its_type_not_a_malformed_session()
    {
        // An item of a type this version does not know (or an MCP call written without its name) that carries "arguments":
        // the docs promise a call named after its type, as for an item without arguments.
        var session = await ReadOneAsync(
            $$"""
            { {{Request}}, "response": { "id": "resp_1", "object": "response", "status": "completed", "model": "gpt-5",
              "output": [
                { "type": "mcp_call", "id": "mcp_1", "server_label": "stripe", "arguments": "{\"amount\":5}", "output": "refunded" },
                { "type": "future_tool_call", "id": "ft_1", "status": "completed", "arguments": { "q": 1 } } ] } }
            """,
            s_input);

        Assert.Equal(
            [("mcp_1", "mcp", """{"amount":5}"""), ("ft_1", "future_tool", """{ "q": 1 }""")],
            session.Events.OfType<ToolCallEvent>().Select(c => (c.CallId, c.ToolName, c.Arguments)));
        Assert.Equal(
            [("mcp_1", "mcp", "refunded", false), ("ft_1", "future_tool", null, false)],
            session.Events.OfType<ToolResultEvent>().Select(r => (r.CallId, r.ToolName, r.Result, r.IsError)));
    }

    [Fact]
    public async Task A_hosted_tool_still_running_is_a_call_without_a_result()
    {
        var session = await ReadOneAsync(
            $$"""
            { {{Request}}, "response": { "id": "resp_1", "object": "response", "status": "in_progress", "model": "gpt-5",
              "output": [ { "type": "code_interpreter_call", "id": "ci_1", "status": "interpreting", "code": "sum(x)", "container_id": "cntr_1", "outputs": null } ] } }
            """,
            s_input);

        Assert.Equal(["message.user", "tool.call", "model.response"], session.Events.Select(e => e.EventType));
    }

    [Fact]
    public async Task A_client_run_tools_call_is_answered_by_its_output_item_in_the_next_request()
    {
        // Computer use, the shell tools and custom tools are run by the client, as functions are: the call in the output
        // (by its call_id), its result an "…_output" input item of the next request.
        var session = await ReadOneAsync(
            """
            { "input": [
                { "role": "user", "content": "Open the refunds page." },
                { "type": "computer_call", "id": "cu_1", "call_id": "call_c1", "action": { "type": "click", "x": 10, "y": 20 }, "pending_safety_checks": [], "status": "completed" },
                { "type": "computer_call_output", "call_id": "call_c1", "output": { "type": "computer_screenshot", "image_url": "data:image/png;base64,iVBORw0KGgoAAAA=" } },
                { "type": "local_shell_call", "id": "ls_1", "call_id": "call_s1", "action": { "type": "exec", "command": [ "ls" ] }, "status": "completed" },
                { "type": "local_shell_call_output", "id": "call_s1", "call_id": "call_s1", "output": "Error: permission denied" },
                { "type": "custom_tool_call", "id": "ct_1", "call_id": "call_x1", "name": "run_sql", "input": "SELECT 1" },
                { "type": "custom_tool_call_output", "call_id": "call_x1", "output": "1" },
                { "type": "mcp_approval_request", "id": "mcpr_1", "server_label": "stripe", "name": "create_refund", "arguments": "{}" },
                { "type": "mcp_approval_response", "approval_request_id": "mcpr_1", "approve": false },
                { "type": "item_reference", "id": "msg_0" } ] }
            """,
            s_input);

        Assert.Equal(
            [("call_c1", "computer", """{"action":{"type":"click","x":10,"y":20},"pending_safety_checks":[]}"""),
             ("call_s1", "local_shell", """{"action":{"type":"exec","command":["ls"]}}"""),
             ("call_x1", "run_sql", """{"input":"SELECT 1"}""")],
            session.Events.OfType<ToolCallEvent>().Select(c => (c.CallId, c.ToolName, c.Arguments)));
        Assert.Equal(
            [("call_c1", "computer", "[attachment: image/png, 11 bytes]", false), ("call_s1", "local_shell", "Error: permission denied", true), ("call_x1", "run_sql", "1", false)],
            session.Events.OfType<ToolResultEvent>().Select(r => (r.CallId, r.ToolName, r.Result, r.IsError)));
        Assert.Equal(["message.user", "tool.call", "tool.result", "tool.call", "tool.result", "tool.call", "tool.result"], session.Events.Select(e => e.EventType));
    }

    [Fact]
    public async Task An_item_of_a_type_this_version_does_not_know_is_counted_as_an_unknown_block()
    {
        var item = Assert.Single(await ReadAllAsync(
            $$"""
            [{ {{Request}}, "response": { "id": "resp_1", "object": "response", "status": "completed", "model": "gpt-5",
              "output": [ { "type": "future_item", "id": "fi_1", "data": "x" }, { "type": "message", "role": "assistant", "content": [ { "type": "output_text", "text": "Done." } ] } ] } }]
            """,
            s_input));

        Assert.Equal(1, item.UnknownBlocks);
        Assert.Equal(["message.user", "message.assistant", "model.response"], item.Session!.Events.Select(e => e.EventType));
    }
}
