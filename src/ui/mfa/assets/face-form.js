// The MFA form's face step (docs/face-liveness.md): opens the camera, guides by time ("look at the
// camera", then "turn your head to your left/right" — the side the server picked), captures the
// tenant's frame_count frames over about two seconds as 480 × 360 JPEGs (not mirrored: the server's
// "left" is the user's own, in frames as the camera sees them), and posts them as the answer,
// `{"frames": [base64, …]}`, to the form's own address; the server decides. The same capture as
// the hosted sign-in page's face step (src/ui/client/face-camera.ts), without the models.
const options = JSON.parse(document.getElementById("mfa-options").textContent);
const texts = JSON.parse(document.getElementById("mfa-texts").textContent);
const form = document.getElementById("mfa-answer");
const status = document.getElementById("mfa-status");
const start = document.getElementById("mfa-start");

const WIDTH = 480;
const HEIGHT = 360;
const CLIP_MS = 2000;
const CENTRE_MS = 1500;
/** Lower qualities are tried when a clip would not fit the form's limit (with room for the rest of the form). */
const QUALITIES = [0.7, 0.55, 0.4];
const CLIP_BUDGET = 700 * 1024;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function send(fields) {
  for (const [name, value] of Object.entries(fields)) form.elements[name].value = value;
  form.submit();
}

async function jpegBase64(canvas, quality) {
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", quality));
  if (!blob) throw new Error("the frame could not be encoded");
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

async function captureClip(video, count) {
  const canvases = [];
  const interval = CLIP_MS / Math.max(1, count - 1);
  // The first quarter of the clip is the frontal start; then the turn.
  const turnAt = Math.max(1, Math.floor(count / 4));
  for (let i = 0; i < count; i++) {
    const canvas = document.createElement("canvas");
    canvas.width = WIDTH;
    canvas.height = HEIGHT;
    canvas.getContext("2d").drawImage(video, 0, 0, WIDTH, HEIGHT);
    canvases.push(canvas);
    if (i + 1 === turnAt) status.textContent = options.direction === "right" ? texts.turnRight : texts.turnLeft;
    if (i < count - 1) await sleep(interval);
  }
  for (const quality of QUALITIES) {
    const frames = await Promise.all(canvases.map((canvas) => jpegBase64(canvas, quality)));
    if (frames.reduce((sum, frame) => sum + frame.length, 0) <= CLIP_BUDGET) return frames;
  }
  throw new Error("the clip is too large");
}

start.addEventListener("click", async () => {
  start.disabled = true;
  status.textContent = texts.starting;
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      audio: false,
      video: { facingMode: "user", width: { ideal: 640 }, height: { ideal: 480 } },
    });
    const video = document.createElement("video");
    video.muted = true;
    video.playsInline = true;
    video.setAttribute("aria-label", texts.videoLabel);
    video.className = "mfa-camera";
    video.srcObject = stream;
    status.before(video);
    await video.play();
    status.textContent = texts.centre;
    await sleep(CENTRE_MS);
    status.textContent = texts.hold;
    const frames = await captureClip(video, Number(options.frame_count) || 16);
    // The page's language: the server put the message on the element.
    status.textContent = status.dataset.waiting;
    send({ credential: JSON.stringify({ frames }) });
  } catch (error) {
    send({ error: error && error.name === "NotAllowedError" ? "cancelled" : "failed" });
  } finally {
    for (const track of stream ? stream.getTracks() : []) track.stop();
  }
});

document.getElementById("mfa-cancel").addEventListener("click", () => send({ error: "cancelled" }));
