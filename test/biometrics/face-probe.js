// Browser side of face-browser.test.ts: loads Human from the service's face assets under the hosted
// pages' Content-Security-Policy, opens the (fake) camera and runs the detector and mesh on it, as
// the liveness page will. Reports on window.faceProbe.
const violations = [];
document.addEventListener("securitypolicyviolation", (event) => violations.push(`${event.violatedDirective} ${event.blockedURI}`));
const urls = JSON.parse(document.getElementById("svault-page").textContent);
try {
  const { Human } = await import(urls.humanModule);
  const human = new Human({
    backend: "wasm",
    wasmPath: urls.wasmPath,
    modelBasePath: urls.modelBasePath,
    cacheModels: false,
    warmup: "none",
    debug: false,
    filter: { enabled: false },
    gesture: { enabled: false },
    body: { enabled: false },
    hand: { enabled: false },
    object: { enabled: false },
    segmentation: { enabled: false },
    face: {
      enabled: true,
      detector: { rotation: false, maxDetected: 3 },
      mesh: { enabled: true },
      iris: { enabled: false },
      emotion: { enabled: false },
      description: { enabled: false },
      antispoof: { enabled: false },
      liveness: { enabled: false },
      attention: { enabled: false },
    },
  });
  await human.load();
  const video = document.createElement("video");
  video.muted = true;
  video.srcObject = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 } });
  await video.play();
  const detections = [];
  for (let i = 0; i < 8; i++) {
    const result = await human.detect(video);
    detections.push(result.face.map((face) => (face.rotation.angle.yaw * 180) / Math.PI));
  }
  window.faceProbe = { backend: human.tf.getBackend(), size: [video.videoWidth, video.videoHeight], detections, violations };
} catch (error) {
  window.faceProbe = { error: String(error), violations };
}
