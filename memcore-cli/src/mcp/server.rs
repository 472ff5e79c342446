//! The MCP side of `memcore mcp`: an rmcp server handler that lists [`super::tools`] and
//! answers their calls. It holds no logic of its own beyond the translation.

use super::tools::{Effect, ToolDef, ToolError, Tools};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
    ListToolsResult, PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool,
    ToolAnnotations,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData as McpError, RoleServer, ServerHandler};
use std::sync::{Arc, Mutex, PoisonError};

/// What the server tells the model once, at initialization.
const INSTRUCTIONS: &str = "memcore is the long-term memory of this project: observations \
distilled from earlier sessions, and memories saved on request. To recall, search first (a \
compact index), then timeline around an interesting id, then get_observations for the few \
records you need; never fetch everything. Use remember when the user asks you to remember \
something or states a lasting decision or preference; use forget only when the user asks.";

/// The server: the tools over one store, behind a lock (a store handle serves one call at a
/// time), and their definitions in MCP form.
pub struct MemoryServer {
    tools: Mutex<Tools>,
    listed: Vec<Tool>,
}

impl MemoryServer {
    /// A server over `tools`.
    pub fn new(tools: Tools) -> MemoryServer {
        let listed = tools.definitions().into_iter().map(to_mcp).collect();
        MemoryServer {
            tools: Mutex::new(tools),
            listed,
        }
    }
}

fn to_mcp(def: ToolDef) -> Tool {
    let annotations = ToolAnnotations::with_title(def.title)
        .read_only(def.effect == Effect::Read)
        .destructive(def.effect == Effect::Delete)
        .idempotent(true)
        .open_world(false);
    Tool::new(def.name, def.description, Arc::new(def.input_schema))
        .with_title(def.title)
        .with_annotations(annotations)
}

impl ServerHandler for MemoryServer {
    fn get_info(&self) -> ServerConfig {
        let mut config = ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_instructions(INSTRUCTIONS);
        config.server_info = Implementation::new("memcore", env!("CARGO_PKG_VERSION"));
        config
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, McpError> {
        Ok(ListToolsResult::with_all_items(self.listed.clone()))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        // A panic while the lock was held cannot leave the store inconsistent (every write
        // is one transaction), so a poisoned lock is still usable.
        let tools = self.tools.lock().unwrap_or_else(PoisonError::into_inner);
        match tools.call(&request.name, request.arguments) {
            Ok(text) => Ok(CallToolResult::success(vec![ContentBlock::text(text)]).into()),
            Err(ToolError::Failed(message)) => {
                Ok(CallToolResult::error(vec![ContentBlock::text(message)]).into())
            }
            Err(ToolError::UnknownTool(message)) => Err(McpError::invalid_params(message, None)),
        }
    }
}
