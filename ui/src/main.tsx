import { render } from "preact";
import { App } from "./app";
import "./styles.css";

async function start() {
  // The browser tests' build mocks the backend; the production build drops this import.
  if (import.meta.env.MODE === "mock") (await import("./mock")).installMocks();
  render(<App />, document.getElementById("app")!);
}

void start();
