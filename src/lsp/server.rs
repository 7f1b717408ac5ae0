//! The server loop: one message at a time, in order, on the calling thread.

use std::collections::HashMap;
use std::io::{self, BufRead, Write};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;

use lsp_server::{ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidChangeWatchedFiles, DidCloseTextDocument, DidOpenTextDocument,
    DidSaveTextDocument, Exit, Notification as _, PublishDiagnostics,
};
use lsp_types::request::{
    Completion, GotoDefinition, HoverRequest, Initialize, Request as _, Shutdown,
};
use lsp_types::{
    CompletionOptions, CompletionResponse, DidChangeTextDocumentParams, DidCloseTextDocumentParams,
    DidOpenTextDocumentParams, GotoDefinitionResponse, HoverProviderCapability, OneOf,
    PublishDiagnosticsParams, ServerCapabilities, ServerInfo, TextDocumentPositionParams,
    TextDocumentSyncCapability, TextDocumentSyncKind, TextDocumentSyncOptions,
    TextDocumentSyncSaveOptions, Url,
};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::analysis;
use super::documents::Document;
use super::transport::{self, Incoming};
use super::{completion, definition, diagnostics, hover};

/// Why a request failed: a JSON-RPC error code and a message.
type Failure = (i32, String);

/// How the session ended.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Ending {
    /// `exit` after `shutdown`: exit code 0.
    Clean,
    /// `exit` without `shutdown`, or the input ended: exit code 1.
    Abrupt,
}

#[derive(Default)]
struct Server {
    initialized: bool,
    shutting_down: bool,
    docs: HashMap<Url, Document>,
}

/// Serves one client until `exit` or the end of the input.
pub fn serve(mut input: impl BufRead, mut output: impl Write) -> io::Result<Ending> {
    let mut server = Server::default();
    loop {
        let Some(incoming) = transport::read(&mut input)? else {
            return Ok(server.ending());
        };
        let (code, reason) = match incoming {
            Incoming::Message(message) => {
                if let Some(ending) = server.handle(message, &mut output)? {
                    return Ok(ending);
                }
                continue;
            }
            Incoming::Malformed(reason) => (ErrorCode::ParseError, reason),
            Incoming::Invalid(reason) => (ErrorCode::InvalidRequest, reason),
        };
        let error = serde_json::json!({
            "jsonrpc": "2.0",
            "id": null,
            "error": {"code": code as i32, "message": reason},
        });
        transport::write_json(&mut output, &error)?;
    }
}

impl Server {
    /// Handles one message; `Some` when the session ends.
    fn handle(&mut self, message: Message, output: &mut impl Write) -> io::Result<Option<Ending>> {
        match message {
            Message::Request(request) => {
                let response = self.request(request);
                transport::write(output, Message::Response(response))?;
            }
            Message::Notification(n) if n.method == Exit::METHOD => {
                return Ok(Some(self.ending()));
            }
            Message::Notification(n) => {
                for out in self.notification(n) {
                    transport::write(output, Message::Notification(out))?;
                }
            }
            // The server sends no requests, so expects no responses.
            Message::Response(_) => {}
        }
        Ok(None)
    }

    fn ending(&self) -> Ending {
        if self.shutting_down {
            Ending::Clean
        } else {
            Ending::Abrupt
        }
    }

    fn request(&mut self, request: Request) -> Response {
        let id = request.id.clone();
        // A bug in a handler must cost one answer, not the editor's session.
        let result = catch_unwind(AssertUnwindSafe(|| self.dispatch(request)))
            .unwrap_or_else(|_| Err((ErrorCode::InternalError as i32, "internal error".into())));
        respond(id, result)
    }

    fn dispatch(&mut self, request: Request) -> Result<Value, Failure> {
        let method = request.method.as_str();
        if self.shutting_down {
            return Err((
                ErrorCode::InvalidRequest as i32,
                "the server is shutting down".into(),
            ));
        }
        if method == Initialize::METHOD {
            if self.initialized {
                return Err((
                    ErrorCode::InvalidRequest as i32,
                    "already initialized".into(),
                ));
            }
            self.initialized = true;
            return to_json(initialize_result());
        }
        if !self.initialized {
            return Err((
                ErrorCode::ServerNotInitialized as i32,
                "the server is not initialized".into(),
            ));
        }
        match method {
            Shutdown::METHOD => {
                self.shutting_down = true;
                Ok(Value::Null)
            }
            HoverRequest::METHOD => {
                let params: lsp_types::HoverParams = params(request.params)?;
                let at = &params.text_document_position_params;
                to_json(
                    self.at(at)
                        .and_then(|(doc, offset)| hover::hover(doc, offset)),
                )
            }
            GotoDefinition::METHOD => {
                let params: lsp_types::GotoDefinitionParams = params(request.params)?;
                let at = &params.text_document_position_params;
                let found = self
                    .at(at)
                    .and_then(|(doc, offset)| definition::definition(doc, offset));
                to_json(found.map(GotoDefinitionResponse::Scalar))
            }
            Completion::METHOD => {
                let params: lsp_types::CompletionParams = params(request.params)?;
                let items = self
                    .at(&params.text_document_position)
                    .map(|(doc, offset)| completion::complete(doc, offset))
                    .unwrap_or_default();
                to_json(CompletionResponse::Array(items))
            }
            _ => Err((
                ErrorCode::MethodNotFound as i32,
                format!("unknown method `{method}`"),
            )),
        }
    }

    /// The open document and byte offset a request points at (`None` for a document
    /// that is not open).
    fn at(&self, at: &TextDocumentPositionParams) -> Option<(&Document, usize)> {
        let doc = self.docs.get(&at.text_document.uri)?;
        Some((doc, doc.lines.offset(&doc.text, at.position)))
    }

    /// Handles a notification; returns the diagnostics to publish.
    fn notification(&mut self, n: Notification) -> Vec<Notification> {
        if !self.initialized {
            return Vec::new();
        }
        let outcome = catch_unwind(AssertUnwindSafe(|| self.on_notification(n)));
        outcome.unwrap_or_default()
    }

    fn on_notification(&mut self, n: Notification) -> Vec<Notification> {
        match n.method.as_str() {
            DidOpenTextDocument::METHOD => {
                let Ok(p) = params::<DidOpenTextDocumentParams>(n.params) else {
                    return Vec::new();
                };
                let doc = p.text_document;
                self.docs.insert(
                    doc.uri.clone(),
                    Document::new(doc.uri, doc.text, doc.version),
                );
                self.reanalyze()
            }
            DidChangeTextDocument::METHOD => {
                let Ok(p) = params::<DidChangeTextDocumentParams>(n.params) else {
                    return Vec::new();
                };
                let Some(doc) = self.docs.get_mut(&p.text_document.uri) else {
                    return Vec::new();
                };
                doc.apply(p.content_changes, p.text_document.version);
                self.reanalyze()
            }
            DidCloseTextDocument::METHOD => {
                let Ok(p) = params::<DidCloseTextDocumentParams>(n.params) else {
                    return Vec::new();
                };
                let uri = p.text_document.uri;
                if self.docs.remove(&uri).is_none() {
                    return Vec::new();
                }
                let mut out = vec![publish(uri, Vec::new(), None)];
                out.extend(self.reanalyze());
                out
            }
            // A saved or changed file on disk may be imported by an open document.
            DidSaveTextDocument::METHOD | DidChangeWatchedFiles::METHOD => self.reanalyze(),
            _ => Vec::new(),
        }
    }

    /// Analyses every open document again (any of them may import the one that
    /// changed) and returns their diagnostics.
    fn reanalyze(&mut self) -> Vec<Notification> {
        let open: HashMap<PathBuf, String> = self
            .docs
            .values()
            .map(|d| (d.path.clone(), d.text.clone()))
            .collect();
        let mut out = Vec::new();
        for doc in self.docs.values_mut() {
            let snapshot = analysis::analyze(&doc.path, &doc.text, &open);
            doc.set_analysis(snapshot);
            out.push(publish(
                doc.uri.clone(),
                diagnostics::of_document(doc),
                Some(doc.version),
            ));
        }
        out
    }
}

fn initialize_result() -> lsp_types::InitializeResult {
    lsp_types::InitializeResult {
        capabilities: ServerCapabilities {
            text_document_sync: Some(TextDocumentSyncCapability::Options(
                TextDocumentSyncOptions {
                    open_close: Some(true),
                    change: Some(TextDocumentSyncKind::INCREMENTAL),
                    save: Some(TextDocumentSyncSaveOptions::Supported(true)),
                    ..TextDocumentSyncOptions::default()
                },
            )),
            hover_provider: Some(HoverProviderCapability::Simple(true)),
            definition_provider: Some(OneOf::Left(true)),
            completion_provider: Some(CompletionOptions {
                trigger_characters: Some(vec![".".into()]),
                ..CompletionOptions::default()
            }),
            ..ServerCapabilities::default()
        },
        server_info: Some(ServerInfo {
            name: "corral".into(),
            version: Some(env!("CARGO_PKG_VERSION").into()),
        }),
    }
}

fn publish(
    uri: Url,
    diagnostics: Vec<lsp_types::Diagnostic>,
    version: Option<i32>,
) -> Notification {
    Notification::new(
        PublishDiagnostics::METHOD.into(),
        PublishDiagnosticsParams {
            uri,
            diagnostics,
            version,
        },
    )
}

fn params<T: DeserializeOwned>(value: Value) -> Result<T, Failure> {
    serde_json::from_value(value).map_err(|e| {
        (
            ErrorCode::InvalidParams as i32,
            format!("invalid params: {e}"),
        )
    })
}

fn to_json(value: impl serde::Serialize) -> Result<Value, Failure> {
    serde_json::to_value(value).map_err(|e| (ErrorCode::InternalError as i32, e.to_string()))
}

fn respond(id: RequestId, result: Result<Value, Failure>) -> Response {
    match result {
        Ok(value) => Response::new_ok(id, value),
        Err((code, message)) => Response::new_err(id, code, message),
    }
}
